/**
 * Menus and digit collection from the caller's side: what they press, or don't, decides the port.
 */
import { describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const menu = (extra: Record<string, unknown> = {}) =>
  buildFlow({
    main: [{ name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 or 2"), menuLinks: ["1", "2"], entryTimeout: "3", ...extra } }],
    links: [],
  });

describe("Menu (ivr-menu)", () => {
  it.each([
    ["1", "1"],
    ["2", "2"],
    ["7", "invalid"],
    ["", "timeout"],
  ])("caller pressing %j leaves by %s", async (digits, port) => {
    const { rec, port: portOf } = await runFlow(menu(), { digits });
    expect(portOf("Menu")).toBe(port);
    if (digits) expect(rec.of("input")[0]!.digits).toBe(digits);
  });

  it("waits entryTimeout seconds after the prompt before timing out", async () => {
    const { rec } = await runFlow(menu({ entryTimeout: 8 }), { digits: "" });
    const prompt = rec.of("prompt")[0]!;
    const input = rec.of("input")[0]!;
    // "Press 1 or 2" takes 12 characters of speaking time, then 8 s of silence.
    expect(input.at - prompt.at).toBe(12 * 60 + 8000);
  });

  it("exposes the digit as <name>.OptionEntered", async () => {
    const flow = buildFlow({
      variables: [{ name: "Choice" }],
      main: [
        { name: "Menu", type: "ivr-menu", props: { ...tts("Press"), menuLinks: ["1", "2"] } },
        { name: "Keep", type: "set-variable", props: { srcVariable: "Choice", expr: "{{Menu.OptionEntered}}" } },
      ],
      links: [["Menu", "2", "Keep"]],
    });
    const { rec } = await runFlow(flow, { digits: "2" });
    expect(rec.of("variable")[0]).toMatchObject({ name: "Choice", value: "2" });
  });
});

describe("Collect Digits (ivr-collectdigits)", () => {
  const collect = (props: Record<string, unknown>) =>
    buildFlow({
      variables: [{ name: "Account" }],
      main: [
        { name: "Ask", type: "ivr-collectdigits", props: { ...tts("Enter your account number"), minDigits: 4, maxDigits: 6, terminatorSymbol: "#", entryTimeout: "5", interDigitTimeout: "3", ...props } },
        { name: "Keep", type: "set-variable", props: { srcVariable: "Account", expr: "{{Ask.DigitsEntered}}" } },
      ],
      links: [["Ask", "default", "Keep"]],
    });

  it("stops at the terminator and leaves it out", async () => {
    const { rec, port } = await runFlow(collect({}), { digits: "1234#" });
    expect(port("Ask")).toBe("default");
    expect(rec.of("variable")[0]!.value).toBe("1234");
  });

  it("stops at maxDigits", async () => {
    const { rec } = await runFlow(collect({}), { digits: "12345678" });
    expect(rec.of("variable")[0]!.value).toBe("123456");
  });

  it("takes fewer than minDigits as invalid", async () => {
    const { port, rec } = await runFlow(collect({}), { digits: "12#" });
    expect(port("Ask")).toBe("invalid");
    expect(rec.of("input")[0]).toMatchObject({ digits: "12", outcome: "invalid" });
  });

  it("times out when the caller presses nothing", async () => {
    const { port } = await runFlow(collect({}), { digits: "" });
    expect(port("Ask")).toBe("timeout");
  });

  it("ends by the inter-digit timeout when the caller stops without a terminator", async () => {
    const { port, rec } = await runFlow(collect({}), { digits: [{ digits: "12345" }] });
    expect(port("Ask")).toBe("default");
    const prompt = rec.of("prompt")[0]!;
    const input = rec.of("input")[0]!;
    expect(input.at - prompt.at).toBe("Enter your account number".length * 60 + 3000);
  });

  it("lets a caller who waits before answering still be heard within the entry timeout", async () => {
    const { port } = await runFlow(collect({}), { digits: [{ digits: "4321#", afterSeconds: 2 }] });
    expect(port("Ask")).toBe("default");
  });
});

describe("a caller slower than the entry timeout", () => {
  it("times the input out, and their digits land on the next input", async () => {
    const flow = buildFlow({
      main: [
        { name: "First", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: "5" } },
        { name: "Again", type: "ivr-menu", props: { ...tts("Once more"), menuLinks: ["1"], entryTimeout: "5" } },
      ],
      links: [["First", "timeout", "Again"]],
    });
    const { port } = await runFlow(flow, { digits: [{ digits: "1", afterSeconds: 7 }] });
    expect(port("First")).toBe("timeout");
    expect(port("Again")).toBe("1");
  });
});
