export { IdentityService, IdentityError, type ApiTokenClaims, type IdentityClient } from "./service.js";
export { registerIdentityRoutes, IDENTITY_PREFIX, discoveryDocument } from "./routes.js";
export { ROLES, API_AUDIENCE, API_SCOPE, isRole, type Role } from "./roles.js";
export { developmentUsers, DEMO_SUPERVISOR, DEMO_ADMINISTRATOR, type DevelopmentUser, type IdentityUser } from "./users.js";
