/**
 * The one error a flow's activity raises on purpose. It sits in util, the leaf room every other
 * room may import, so the engine (error routing, the variable store, the compiled templates) and
 * the activities name one class without the engine reaching into activities/ for it. Not in
 * flow/: flow imports the activity registry for the linter, and a runtime edge back would be a
 * cycle.
 */

/** An activity failed; the engine takes the `error`/`failure` port if wired, else OnGlobalError. */
export class ActivityError extends Error {
  constructor(
    message: string,
    /** The error-class port to try (`error` unless the activity uses `failure`). */
    readonly port: string = "error",
  ) {
    super(message);
    this.name = "ActivityError";
  }
}

/**
 * A property an activity's `compile` cannot use (missing, or a literal that can never be right).
 * It names the activity and the property, as the validator does; the compiled flow lists it in
 * its problems and the activity fails with it on every call, by `port`, as it would in Webex.
 */
export class PropertyError extends ActivityError {
  constructor(
    /** The activity's name. */
    readonly activity: string,
    /** The property's path relative to `properties` (`expression`, `skip`). */
    readonly property: string,
    /** What is wrong, without the activity's name (the message adds it). */
    problem: string,
    port?: string,
  ) {
    super(`${activity}: ${problem}`, port);
    this.name = "PropertyError";
  }
}
