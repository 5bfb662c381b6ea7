/** The embedded Dataverse-compatible CRM: what other rooms compose. */
export { DEFAULT_LIMITS, DEV_CREDENTIALS, DEV_ORGANIZATION, defaultDataDir, resolveCredentials, type CrmLimits, type Credentials } from "./config.js";
export { createCrm, reloadDemoData, type Crm, type CrmConfig, type CrmOptions } from "./crm.js";
export { clearCrmData, generateContacts, loadDemoData, SEED_RECORDS } from "./demo-data.js";
export { registerCrmRoutes } from "./routes.js";
export { describeCrm, startCrmServer, type CrmServer, type CrmServerOptions } from "./server.js";
