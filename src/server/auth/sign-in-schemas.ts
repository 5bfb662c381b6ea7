/**
 * What the OpenAPI document says of the sign-in routes (sign-in.ts): summaries and responses.
 * Their query strings are read by the handlers as they come (an OpenID Connect callback carries
 * what the provider sends), so only the documented parameters are listed, without validation.
 */
import { z } from "zod";
import { errors, json, session, signedOut } from "../response-schemas.js";

const redirect = (description: string) => z.undefined().describe(description);

export const SIGN_IN_SCHEMAS = {
  login: {
    tags: ["sign-in"],
    summary: "Start signing in (OpenID Connect, authorization code + PKCE): redirects to the identity provider",
    description: "Query `returnTo`: a path on this server to come back to.",
    response: { 303: redirect("To the provider's sign-in page"), ...errors([502, "IDENTITY_PROVIDER_UNAVAILABLE: the identity provider cannot be reached; try again in a moment"]) },
  },
  callback: {
    tags: ["sign-in"],
    summary: "Where the provider sends the browser back; sets the session cookie",
    response: { 303: redirect("Signed in: back to returnTo"), ...errors(400, 401) },
  },
  logout: {
    tags: ["sign-in"],
    summary: "Sign out (ends the session; with the CSRF token)",
    response: { 200: json(signedOut) },
  },
  session: {
    tags: ["sign-in"],
    summary: "Who is asking: the signed-in person or the app of the bearer token, with the session's CSRF token",
    response: { 200: json(session) },
  },
};
