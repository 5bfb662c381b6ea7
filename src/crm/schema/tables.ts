/**
 * The tables of the embedded CRM: contact, account, incident (Case) and systemuser, with the
 * columns, option sets and relationships a contact center needs, named and numbered as in Dataverse.
 */
import type { ColumnDef, LookupDef, OptionDef, TableDef } from "./types.js";

const readOnly = { validForCreate: false, validForUpdate: false } as const;

function activeInactiveState(): ColumnDef {
  return {
    name: "statecode",
    type: "state",
    displayName: "Status",
    validForCreate: false,
    options: [
      { value: 0, label: "Active", defaultStatus: 1 },
      { value: 1, label: "Inactive", defaultStatus: 2 },
    ],
    defaultValue: 0,
  };
}

function activeInactiveStatus(): ColumnDef {
  return {
    name: "statuscode",
    type: "status",
    displayName: "Status Reason",
    options: [
      { value: 1, label: "Active", state: 0 },
      { value: 2, label: "Inactive", state: 1 },
    ],
    defaultValue: 1,
  };
}

/** Columns every table carries: audit timestamps, row version (the ETag) and owner/creator lookups. */
function systemColumns(): ColumnDef[] {
  return [
    { name: "createdon", type: "datetime", displayName: "Created On", index: true, ...readOnly },
    { name: "modifiedon", type: "datetime", displayName: "Modified On", ...readOnly },
    { name: "versionnumber", type: "bigint", displayName: "Version Number", ...readOnly },
  ];
}

function systemLookups(): LookupDef[] {
  return [
    { name: "ownerid", displayName: "Owner", targets: ["systemuser"], navigation: { systemuser: "ownerid" } },
    { name: "createdby", displayName: "Created By", targets: ["systemuser"], navigation: { systemuser: "createdby" }, ...readOnly },
    { name: "modifiedby", displayName: "Modified By", targets: ["systemuser"], navigation: { systemuser: "modifiedby" }, ...readOnly },
  ];
}

const preferredContactMethod: OptionDef[] = [
  { value: 1, label: "Any" },
  { value: 2, label: "Email" },
  { value: 3, label: "Phone" },
  { value: 4, label: "Fax" },
  { value: 5, label: "Mail" },
];

export const contactTable: TableDef = {
  logicalName: "contact",
  entitySet: "contacts",
  displayName: "Contact",
  primaryKey: "contactid",
  primaryName: "fullname",
  columns: [
    { name: "contactid", type: "uniqueidentifier", displayName: "Contact", validForUpdate: false },
    { name: "firstname", type: "string", displayName: "First Name", maxLength: 50 },
    { name: "lastname", type: "string", displayName: "Last Name", maxLength: 50, index: true },
    { name: "fullname", type: "string", displayName: "Full Name", maxLength: 160, index: true, ...readOnly },
    { name: "jobtitle", type: "string", displayName: "Job Title", maxLength: 100 },
    { name: "telephone1", type: "string", displayName: "Business Phone", maxLength: 50, substringIndex: true },
    { name: "mobilephone", type: "string", displayName: "Mobile Phone", maxLength: 50, substringIndex: true },
    { name: "emailaddress1", type: "string", displayName: "Email", maxLength: 100, index: true },
    { name: "address1_line1", type: "string", displayName: "Address 1: Street 1", maxLength: 250 },
    { name: "address1_city", type: "string", displayName: "Address 1: City", maxLength: 80 },
    { name: "address1_postalcode", type: "string", displayName: "Address 1: ZIP/Postal Code", maxLength: 20 },
    { name: "address1_country", type: "string", displayName: "Address 1: Country/Region", maxLength: 80 },
    { name: "preferredcontactmethodcode", type: "picklist", displayName: "Preferred Method of Contact", options: preferredContactMethod, defaultValue: 1 },
    { name: "donotphone", type: "boolean", displayName: "Do not allow Phone Calls", booleanLabels: ["Allow", "Do Not Allow"], defaultValue: false },
    { name: "description", type: "memo", displayName: "Description", maxLength: 2000 },
    activeInactiveState(),
    activeInactiveStatus(),
    ...systemColumns(),
  ],
  lookups: [
    {
      name: "parentcustomerid",
      displayName: "Company Name",
      targets: ["account", "contact"],
      navigation: { account: "parentcustomerid_account", contact: "parentcustomerid_contact" },
      collections: { account: "contact_customer_accounts", contact: "contact_customer_contacts" },
      index: true,
    },
    ...systemLookups(),
  ],
  alternateKeys: [],
};

export const accountTable: TableDef = {
  logicalName: "account",
  entitySet: "accounts",
  displayName: "Account",
  primaryKey: "accountid",
  primaryName: "name",
  columns: [
    { name: "accountid", type: "uniqueidentifier", displayName: "Account", validForUpdate: false },
    { name: "name", type: "string", displayName: "Account Name", maxLength: 160, required: true, index: true },
    { name: "accountnumber", type: "string", displayName: "Account Number", maxLength: 20 },
    { name: "telephone1", type: "string", displayName: "Main Phone", maxLength: 50, substringIndex: true },
    { name: "emailaddress1", type: "string", displayName: "Email", maxLength: 100 },
    { name: "websiteurl", type: "string", displayName: "Website", maxLength: 200 },
    { name: "address1_city", type: "string", displayName: "Address 1: City", maxLength: 80 },
    { name: "address1_country", type: "string", displayName: "Address 1: Country/Region", maxLength: 80 },
    { name: "revenue", type: "money", displayName: "Annual Revenue" },
    { name: "numberofemployees", type: "integer", displayName: "Number of Employees" },
    {
      name: "industrycode",
      type: "picklist",
      displayName: "Industry",
      options: [
        { value: 1, label: "Accounting" },
        { value: 6, label: "Consulting" },
        { value: 7, label: "Consumer Services" },
        { value: 12, label: "Financial" },
        { value: 19, label: "Retail" },
        { value: 29, label: "Transportation" },
      ],
    },
    { name: "description", type: "memo", displayName: "Description", maxLength: 2000 },
    activeInactiveState(),
    activeInactiveStatus(),
    ...systemColumns(),
  ],
  lookups: [
    {
      name: "primarycontactid",
      displayName: "Primary Contact",
      targets: ["contact"],
      navigation: { contact: "primarycontactid" },
      collections: { contact: "account_primary_contact" },
      index: true,
    },
    ...systemLookups(),
  ],
  alternateKeys: [["accountnumber"]],
};

export const incidentTable: TableDef = {
  logicalName: "incident",
  entitySet: "incidents",
  displayName: "Case",
  primaryKey: "incidentid",
  primaryName: "title",
  columns: [
    { name: "incidentid", type: "uniqueidentifier", displayName: "Case", validForUpdate: false },
    { name: "title", type: "string", displayName: "Case Title", maxLength: 200, required: true, index: true },
    { name: "ticketnumber", type: "string", displayName: "Case Number", maxLength: 100, ...readOnly },
    { name: "description", type: "memo", displayName: "Description", maxLength: 2000 },
    {
      name: "prioritycode",
      type: "picklist",
      displayName: "Priority",
      options: [
        { value: 1, label: "High" },
        { value: 2, label: "Normal" },
        { value: 3, label: "Low" },
      ],
      defaultValue: 2,
    },
    { name: "severitycode", type: "picklist", displayName: "Severity", options: [{ value: 1, label: "Default Value" }], defaultValue: 1 },
    {
      name: "caseorigincode",
      type: "picklist",
      displayName: "Origin",
      options: [
        { value: 1, label: "Phone" },
        { value: 2, label: "Email" },
        { value: 3, label: "Web" },
        { value: 2483, label: "Facebook" },
        { value: 3986, label: "Twitter" },
      ],
    },
    {
      name: "casetypecode",
      type: "picklist",
      displayName: "Case Type",
      options: [
        { value: 1, label: "Question" },
        { value: 2, label: "Problem" },
        { value: 3, label: "Request" },
      ],
    },
    {
      name: "statecode",
      type: "state",
      displayName: "Status",
      validForCreate: false,
      options: [
        { value: 0, label: "Active", defaultStatus: 1 },
        { value: 1, label: "Resolved", defaultStatus: 5 },
        { value: 2, label: "Canceled", defaultStatus: 6 },
      ],
      defaultValue: 0,
    },
    {
      name: "statuscode",
      type: "status",
      displayName: "Status Reason",
      options: [
        { value: 1, label: "In Progress", state: 0 },
        { value: 2, label: "On Hold", state: 0 },
        { value: 3, label: "Waiting for Details", state: 0 },
        { value: 4, label: "Researching", state: 0 },
        { value: 5, label: "Problem Solved", state: 1 },
        { value: 1000, label: "Information Provided", state: 1 },
        { value: 6, label: "Cancelled", state: 2 },
        { value: 2000, label: "Merged", state: 2 },
      ],
      defaultValue: 1,
    },
    ...systemColumns(),
  ],
  lookups: [
    {
      name: "customerid",
      displayName: "Customer",
      targets: ["account", "contact"],
      navigation: { account: "customerid_account", contact: "customerid_contact" },
      collections: { account: "incident_customer_accounts", contact: "incident_customer_contacts" },
      required: true,
      index: true,
      onDelete: "cascade",
    },
    {
      name: "primarycontactid",
      displayName: "Contact",
      targets: ["contact"],
      navigation: { contact: "primarycontactid" },
      collections: { contact: "contact_as_primary_contact" },
    },
    ...systemLookups(),
  ],
  alternateKeys: [["ticketnumber"]],
};

export const systemUserTable: TableDef = {
  logicalName: "systemuser",
  entitySet: "systemusers",
  displayName: "User",
  primaryKey: "systemuserid",
  primaryName: "fullname",
  columns: [
    { name: "systemuserid", type: "uniqueidentifier", displayName: "User", validForUpdate: false },
    { name: "firstname", type: "string", displayName: "First Name", maxLength: 64 },
    { name: "lastname", type: "string", displayName: "Last Name", maxLength: 64 },
    { name: "fullname", type: "string", displayName: "Full Name", maxLength: 200, ...readOnly },
    { name: "domainname", type: "string", displayName: "User Name", maxLength: 1024 },
    { name: "internalemailaddress", type: "string", displayName: "Primary Email", maxLength: 100 },
    { name: "applicationid", type: "uniqueidentifier", displayName: "Application ID" },
    { name: "isdisabled", type: "boolean", displayName: "Status", booleanLabels: ["Enabled", "Disabled"], defaultValue: false },
    ...systemColumns(),
  ],
  lookups: [],
  alternateKeys: [["applicationid"]],
};

export const ALL_TABLES: readonly TableDef[] = [contactTable, accountTable, incidentTable, systemUserTable];
