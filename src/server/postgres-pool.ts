/** The schema pool lives in util/ (the identity service, which stands alone, opens one too). */
export { openSchemaPool } from "../util/postgres-schema-pool.js";
