/**
 * The roles of ccflow's API, as app roles in access tokens and as user roles in id tokens.
 * `agent` acts on their own desk, `supervisor` sees everything and may change an agent's state,
 * `caller` places test calls, `administrator` holds a supervisor's rights and more.
 */
export const ROLES = ["agent", "supervisor", "caller", "administrator"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** The audience of the API's access tokens; clients ask for the scope `api://ccflow/.default`. */
export const API_AUDIENCE = "api://ccflow";
export const API_SCOPE = `${API_AUDIENCE}/.default`;
