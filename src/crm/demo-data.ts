/**
 * Deterministic demo data for the embedded CRM: a few dozen contacts, accounts and cases, including
 * the records the seed's Postman collection and flow name (Yvonne McKay with phone +14806754110,
 * "Nehas Test Account", "Nehas Test Case" as the first case, with the id the seed flow's screen pop
 * opens), several callers with High/Normal/Low cases and some without any. Plus a generator for
 * large, realistic data sets (`ccflow crm seed --contacts 1000000`).
 */
import { DEV_ORGANIZATION } from "./config.js";
import type { CrmStore, Row } from "./store/types.js";
import { seededRandom } from "../util/seeded-random.js";

export const SEED_RECORDS = {
  contactId: "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9",
  contactName: "Yvonne McKay",
  contactPhone: "+14806754110",
  accountName: "Nehas Test Account",
  caseTitle: "Nehas Test Case",
  /** The case the seed flow's "Customer Ticket details" screen pop opens (hard-coded there). */
  caseId: "b68990a8-e1dc-4350-b266-112c622507f5",
} as const;

/** Demo timestamps start here and advance by a fixed step, so reloads give identical data. */
const DEMO_EPOCH = Date.UTC(2024, 0, 8, 9, 0, 0);

// Demo data must not depend on Math.random; re-exported for the CRM's other users.
export { seededRandom };

export function seededGuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(random() * 4)]!;
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const FIRST_NAMES = [
  "Amelia", "Oliver", "Isla", "Noah", "Ava", "Liam", "Mia", "Ethan", "Sofia", "Lucas", "Chloe", "Mateo", "Grace", "Arjun", "Hana",
  "Diego", "Priya", "Jonas", "Lea", "Kofi", "Ingrid", "Tomas", "Yuki", "Omar", "Elena", "Samuel", "Nadia", "Felix", "Maya", "Ravi",
];
const LAST_NAMES = [
  "Anderson", "Okafor", "Garcia", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Tanaka", "Haddad", "Silva", "O'Brien", "Larsen", "Patel",
  "Dubois", "Moreau", "Fischer", "Novak", "Kim", "Hernandez", "Jensen", "Costa", "Murphy", "Ivanova", "Berg", "Mensah", "Lopez",
];
const CITIES = ["Phoenix", "Seattle", "Chicago", "Austin", "Denver", "Boston", "Atlanta", "Portland", "San Diego", "Columbus"];
const AREA_CODES = ["480", "602", "206", "312", "512", "303", "617", "404", "503", "619", "614", "212"];
const ACCOUNT_NAMES = [
  "Contoso Pharmaceuticals", "Fabrikam Inc", "Adventure Works", "Litware Inc", "Alpine Ski House", "Northwind Traders",
  "Tailspin Toys", "Wide World Importers", "Woodgrove Bank", "Coho Winery", "Proseware Inc",
];
const CASE_TITLES = [
  "Order arrived damaged", "Cannot log in to the portal", "Invoice shows wrong amount", "Request for a callback",
  "Delivery is late", "Question about warranty", "Device does not power on", "Change of billing address",
  "Refund not received", "Upgrade my subscription", "Password reset link expired", "Wrong item shipped",
];

export interface DemoSummary {
  contacts: number;
  accounts: number;
  incidents: number;
}

export async function ensureSystemUsers(store: CrmStore, applicationUsers: Array<{ id: string; appId: string; name: string }>): Promise<void> {
  const users = store.schema.table("systemuser");
  const wanted: Row[] = [
    ...applicationUsers.map((u) => ({ systemuserid: u.id, firstname: "#", lastname: u.name, applicationid: u.appId, domainname: `${u.appId}@ccflow.local` })),
    { systemuserid: DEV_ORGANIZATION.pageUserId, firstname: "Contact Center", lastname: "Agent", domainname: "agent@ccflow.local", internalemailaddress: "agent@ccflow.local" },
  ];
  for (const user of wanted) {
    const id = String(user.systemuserid);
    const existing = await store.getById(users, id);
    const appId = user.applicationid;
    if (!existing && typeof appId === "string") {
      // Another user row may already carry this app id (re-mapped registration): keep one.
      const clash = await store.findByKey(users, { applicationid: appId });
      if (clash) await store.delete(users, String(clash.systemuserid));
    }
    if (!existing) await store.insert(users, user, { userId: id });
    else await store.update(users, id, user, { userId: id });
  }
}

/** Removes every CRM row (not app registrations or keys) and restarts the case-number sequence. */
export async function clearCrmData(store: CrmStore): Promise<void> {
  await store.clear();
}

/** Loads the demo data set into an empty store (callers clear it first for a reload). */
export async function loadDemoData(store: CrmStore, ownerId: string): Promise<DemoSummary> {
  const random = seededRandom(20240108);
  const contacts = store.schema.table("contact");
  const accounts = store.schema.table("account");
  const incidents = store.schema.table("incident");
  const ctx = { userId: ownerId };
  let clock = DEMO_EPOCH;
  const tick = () => (clock += 37 * 60_000);
  const summary: DemoSummary = { contacts: 0, accounts: 0, incidents: 0 };

  await store.bulkLoad(async (tx) => {
    const accountIds: string[] = [];
    const nehas = await tx.insert(
      accounts,
      { name: SEED_RECORDS.accountName, accountnumber: "NTA-0001", telephone1: "+14806750000", emailaddress1: "info@nehas.example", address1_city: "Phoenix", address1_country: "United States", industrycode: 7, numberofemployees: 45, revenue: 1250000, createdon: tick() },
      ctx,
    );
    accountIds.push(String(nehas.accountid));
    for (const [i, name] of ACCOUNT_NAMES.entries()) {
      const row = await tx.insert(
        accounts,
        {
          accountid: seededGuid(random),
          name,
          accountnumber: `ACC-${String(1001 + i)}`,
          telephone1: `+1${AREA_CODES[i % AREA_CODES.length]}555${String(1000 + i * 7).padStart(4, "0")}`,
          emailaddress1: `contact@${name.toLowerCase().replace(/[^a-z]+/g, "")}.example`,
          websiteurl: `https://www.${name.toLowerCase().replace(/[^a-z]+/g, "")}.example`,
          address1_city: CITIES[i % CITIES.length]!,
          address1_country: "United States",
          industrycode: [1, 6, 7, 12, 19, 29][i % 6]!,
          numberofemployees: 10 + Math.floor(random() * 5000),
          revenue: Math.round(random() * 50_000_000),
          createdon: tick(),
        },
        ctx,
      );
      accountIds.push(String(row.accountid));
    }
    summary.accounts = accountIds.length;

    const yvonne = await tx.insert(
      contacts,
      {
        contactid: SEED_RECORDS.contactId,
        firstname: "Yvonne",
        lastname: "McKay",
        telephone1: SEED_RECORDS.contactPhone,
        mobilephone: "+14806759876",
        emailaddress1: "yvonne.mckay@nehas.example",
        jobtitle: "Operations Manager",
        address1_city: "Phoenix",
        address1_country: "United States",
        preferredcontactmethodcode: 3,
        _parentcustomerid_value: accountIds[0]!,
        _parentcustomerid_type: "account",
        createdon: tick(),
      },
      ctx,
    );
    await tx.update(accounts, accountIds[0]!, { _primarycontactid_value: String(yvonne.contactid) }, ctx);
    const contactIds: string[] = [String(yvonne.contactid)];
    for (let i = 0; i < 35; i++) {
      const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
      const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
      const area = AREA_CODES[i % AREA_CODES.length]!;
      const phone = `+1${area}${String(2000000 + Math.floor(random() * 7999999))}`;
      const row = await tx.insert(
        contacts,
        {
          contactid: seededGuid(random),
          firstname: first,
          lastname: last,
          telephone1: phone,
          mobilephone: i % 3 === 0 ? `+1${area}${String(3000000 + Math.floor(random() * 6999999))}` : null,
          emailaddress1: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "") + "@example.com",
          address1_city: CITIES[i % CITIES.length]!,
          address1_country: "United States",
          preferredcontactmethodcode: 1 + (i % 5),
          ...(i % 4 !== 3 ? { _parentcustomerid_value: accountIds[1 + (i % (accountIds.length - 1))]!, _parentcustomerid_type: "account" } : {}),
          createdon: tick(),
        },
        ctx,
      );
      contactIds.push(String(row.contactid));
    }
    summary.contacts = contactIds.length;

    const addCase = async (values: Row) => {
      await tx.insert(incidents, { ...values, createdon: tick() }, ctx);
      summary.incidents++;
    };
    const forContact = (id: string) => ({ _customerid_value: id, _customerid_type: "contact", _primarycontactid_value: id });
    // The seed flow reads value[0] of an unfiltered case query: Yvonne's case comes first.
    await addCase({
      incidentid: SEED_RECORDS.caseId,
      title: SEED_RECORDS.caseTitle,
      description: "Customer reported that the smart thermostat stopped responding after the latest firmware update.",
      prioritycode: 1,
      caseorigincode: 1,
      casetypecode: 2,
      ...forContact(String(yvonne.contactid)),
    });
    await addCase({ incidentid: seededGuid(random), title: "Follow-up on thermostat replacement", prioritycode: 2, caseorigincode: 2, casetypecode: 3, ...forContact(String(yvonne.contactid)) });
    // Callers 1-24 get cases with a spread of priorities; 25-35 have none.
    for (let i = 1; i <= 24; i++) {
      const priority = [1, 2, 3][i % 3]!;
      await addCase({
        incidentid: seededGuid(random),
        title: CASE_TITLES[i % CASE_TITLES.length]!,
        description: `Reported by phone. Reference ${1000 + i}.`,
        prioritycode: priority,
        caseorigincode: [1, 2, 3, 2483, 3986][i % 5]!,
        casetypecode: 1 + (i % 3),
        ...forContact(contactIds[i]!),
      });
      if (i % 6 === 0) {
        await addCase({ incidentid: seededGuid(random), title: "Second request: " + CASE_TITLES[(i + 3) % CASE_TITLES.length]!, prioritycode: 1, caseorigincode: 1, casetypecode: 2, ...forContact(contactIds[i]!) });
      }
    }
    await addCase({ incidentid: seededGuid(random), title: "Account-level service review", prioritycode: 2, caseorigincode: 2, casetypecode: 3, _customerid_value: accountIds[1]!, _customerid_type: "account" });
  }, { random: seededRandom(7) });
  await store.setMeta("demo_loaded", "1");
  return summary;
}

export interface GenerateOptions {
  count: number;
  /** Share of generated contacts that get cases (0..1). */
  caseShare?: number;
  onProgress?: (done: number, total: number) => void;
  seed?: number;
}

/**
 * Adds `count` realistic contacts (unique phone numbers, names, emails, cities, a mobile number
 * for a third of them) and cases for a share of them, in one transaction with the substring index
 * built in sorted order at the end.
 */
export async function generateContacts(store: CrmStore, ownerId: string, options: GenerateOptions): Promise<{ contacts: number; incidents: number }> {
  const random = seededRandom(options.seed ?? 1_000_003);
  const contacts = store.schema.table("contact");
  const incidents = store.schema.table("incident");
  const ctx = { userId: ownerId };
  const caseShare = options.caseShare ?? 0.3;
  const total = options.count;
  let incidentCount = 0;
  const started = Date.now() - 365 * 86_400_000;
  const step = Math.max(1, Math.floor((365 * 86_400_000) / Math.max(1, total)));
  await store.bulkLoad(async (tx) => {
    // A store that can append many rows at once (PostgreSQL's COPY) takes them 10,000 at a time.
    const batched = tx.appendMany !== undefined;
    let contactBatch: Row[] = [];
    let incidentBatch: Row[] = [];
    const flush = async () => {
      await tx.appendMany!(contacts, contactBatch, ctx);
      await tx.appendMany!(incidents, incidentBatch, ctx);
      contactBatch = [];
      incidentBatch = [];
    };
    const add = async (table: typeof contacts, values: Row, batch: Row[]) => {
      if (batched) batch.push(values);
      else await tx.insert(table, values, ctx);
    };
    for (let i = 0; i < total; i++) {
      const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]!;
      const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]!;
      const area = AREA_CODES[i % AREA_CODES.length]!;
      // A bijection on 0..9,999,999 (the multiplier is coprime with 10^7): local numbers never repeat
      // and spread evenly, as real ones do, instead of counting up.
      const local = String((i * 7_654_321 + 1_234_567) % 10_000_000).padStart(7, "0");
      let phone = `+1${area}${local}`;
      if (phone === SEED_RECORDS.contactPhone) phone = `+1${area}0000000`;
      const id = seededGuid(random);
      const createdon = started + i * step;
      await add(
        contacts,
        {
          contactid: id,
          firstname: first,
          lastname: last,
          telephone1: phone,
          mobilephone: i % 3 === 0 ? `+1${AREA_CODES[(i + 5) % AREA_CODES.length]}${local}` : null,
          emailaddress1: `${first}.${last}.${i}`.toLowerCase().replace(/[^a-z0-9.]/g, "") + "@example.com",
          address1_city: CITIES[i % CITIES.length]!,
          address1_country: "United States",
          preferredcontactmethodcode: 1 + (i % 5),
          createdon,
        },
        contactBatch,
      );
      if (random() < caseShare) {
        await add(
          incidents,
          {
            incidentid: seededGuid(random),
            title: CASE_TITLES[Math.floor(random() * CASE_TITLES.length)]!,
            prioritycode: 1 + Math.floor(random() * 3),
            caseorigincode: 1,
            casetypecode: 1 + Math.floor(random() * 3),
            _customerid_value: id,
            _customerid_type: "contact",
            createdon: createdon + 60_000,
          },
          incidentBatch,
        );
        incidentCount++;
      }
      if ((i + 1) % 10_000 === 0) {
        if (batched) await flush();
        options.onProgress?.(i + 1, total);
      }
    }
    if (batched) await flush();
    options.onProgress?.(total, total);
  });
  return { contacts: total, incidents: incidentCount };
}
