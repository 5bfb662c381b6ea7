/**
 * The lint pass over every shared flow and the seed: the warnings each one gets, as explicit
 * lists ("code activity-or-variable"), each checked by hand against the export. A rule change
 * that adds or drops a warning anywhere shows up here.
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFlowText } from "../../../src/flow/load.js";
import { lintFlow } from "../../../src/flow/lint/index.js";
import { hasShared, readShared, seedFlowPath, sharedDir } from "../../helpers/shared.js";

const EXPECTED: Record<string, string[]> = {
  "AnalyzerLab_Flow.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_s2i", "unhandled-failure CallbackRequest", "variable-never-read callbacknumber_int", "loop-without-counter SetCallbackNumber", "loop-without-counter CollectAttendeeID", "hard-coded-ids queue/audio file"],
  "AvoidDuplicateCallBack_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure Callback_20e", "unhandled-failure QueueContact_95e", "unescaped-caller-value SearchAPIRequest", "variable-never-read counter", "variable-never-read apiOutput", "variable-never-read response", "variable-never-set callBackStatus", "hard-coded-ids queue/HTTP connector"],
  "Bridged_Transfer_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure BlindTransfer_uk4", "loop-without-counter ChooseTransferType", "hard-coded-ids queue"],
  "BusinessHours_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure Agent_Queue", "hard-coded-ids queue"],
  "CL_1_salesService.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_ys9", "unhandled-failure Callback_noh", "unhandled-failure Q_Sales", "loop-without-counter salesService", "hard-coded-ids queue/audio file"],
  "CL_1_salesService_lang_treatment_agentRouting.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_ys9", "unhandled-failure Callback_noh", "unhandled-failure Q_Sales", "http-status-unchecked getTicketInfo", "variable-never-read toService", "loop-without-counter salesService", "hard-coded-ids queue/audio file"],
  "CL_1_start.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_ys9", "unhandled-failure Callback_noh", "hard-coded-ids queue/audio file"],
  "CollectCallbackInfo_Template.json": ["loop-without-counter NumberMenu", "loop-without-counter OptOutMenu"],
  "Comprehensive_Inbound_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure Queue", "unhandled-failure VoiceMail", "unhandled-failure Callback_guf", "callback-without-disconnect Callback_guf", "hard-coded-ids queue"],
  "ErrorHandler_Template.json": [],
  "GenericCherryPickerFlow.json": ["no-global-error-handler GlobalErrorHandling", "unescaped-caller-value HTTPRequest_u8b", "hard-coded-ids queue"],
  "Generic_Appointment_Scheduling.json": ["no-global-error-handler GlobalErrorHandling", "queue-without-treatment Queue_Contact", "hard-coded-ids queue"],
  "HTTPDataDip_Template.json": ["loop-without-counter CollectDigits_kdd"],
  "MainFlow_template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_8j0", "unhandled-failure QueueContact_do5", "unhandled-failure QueueContact_mcw", "unhandled-failure QueueContact_j1q", "unhandled-failure QueueContact_j1q_0x1", "unhandled-failure QueueContact_mcw_448", "unescaped-caller-value HTTPRequest_736", "variable-never-read log", "loop-without-counter Menu_0c0", "loop-without-counter Menu_yc2", "loop-without-counter Menu_mcq", "hard-coded-ids queue/HTTP connector"],
  "MainFlow_template_backup.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_8j0", "unhandled-failure QueueContact_do5", "unhandled-failure QueueContact_mcw", "unhandled-failure QueueContact_j1q", "unhandled-failure QueueContact_j1q_0x1", "unhandled-failure QueueContact_mcw_448", "unescaped-caller-value HTTPRequest_736", "variable-never-read log", "loop-without-counter Menu_0c0", "loop-without-counter Menu_yc2", "loop-without-counter Menu_mcq", "hard-coded-ids queue/HTTP connector"],
  "PartnerSummit_flow_template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_ypp"],
  "PercentageAllocation_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_r46", "unhandled-failure QueueContact_s6c", "unhandled-failure BlindTransfer_stj", "variable-never-read percentageExitPath", "variable-never-read percentageAllocated", "hard-coded-ids queue"],
  "PostCallSurvey_AutoCSAT_Template.json": ["no-global-error-handler GlobalErrorHandling"],
  "QueueTreatment_Template.json": [],
  "Recording_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_pq7", "variable-never-read testRecordingInfo", "hard-coded-ids queue/TTS connector"],
  "Salesforce_HTTP_Connector_Flow.json": ["no-global-error-handler -", "unhandled-failure QueueContact", "http-status-unchecked AccountByANI", "http-status-unchecked ContactByANI", "http-status-unchecked CasebyContactId", "unescaped-caller-value ContactByANI", "unescaped-caller-value CasebyContactId", "variable-never-read response", "hard-coded-ids queue/HTTP connector"],
  "Salesforce_bootcamp_DoNotDelete_Draft.json": ["no-global-error-handler GlobalErrorHandling", "loop-without-counter CollectDigits_mxi", "loop-without-counter Menu_2ev", "hard-coded-ids queue"],
  "ServiceNow_CCIF_Template.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact_ew1_hva", "http-status-unchecked Create_Voice_Interaction", "unescaped-caller-value Create_Voice_Interaction", "variable-never-read response", "hard-coded-ids queue/HTTP connector"],
  "ServiceNow_HTTP_Connector.json": ["no-global-error-handler -", "unhandled-failure QueueContact_b9f", "http-status-unchecked LookupUser", "http-status-unchecked LookupIncident", "variable-never-read response", "hard-coded-ids queue/HTTP connector/TTS connector"],
  "VoiceFlow_InstantConnect.json": ["no-global-error-handler GlobalErrorHandling", "http-status-unchecked HTTPRequest_u4f", "unescaped-caller-value SendSMS", "hard-coded-ids queue"],
  "WaitTreatment_subflow.json": [],
  "Zendesk_HTTP_Connector.json": ["no-global-error-handler -", "unhandled-failure QueueContact", "http-status-unchecked LookupUser", "http-status-unchecked LookupTicket", "hard-coded-ids queue/HTTP connector/TTS connector"],
  "MSD_HTTP_Connector_Flow.json": ["no-global-error-handler GlobalErrorHandling", "unhandled-failure QueueContact", "http-status-unchecked GetCustomerInfo", "http-status-unchecked GetCaseInfo", "lookup-ignores-caller GetCaseInfo", "unescaped-caller-value GetCustomerInfo", "hard-coded-ids queue/HTTP connector/TTS connector"],
};

function lintFile(path: string) {
  const read = parseFlowText(readShared(path), path);
  if (!read.flow) throw new Error(`${path} does not load`);
  return lintFlow(read.flow);
}

const label = (d: ReturnType<typeof lintFlow>[number]) => `${d.code} ${d.activity?.name ?? d.variable ?? (d.table ? [...new Set(d.table.map((r) => r.kind))].join("/") : "-")}`;

describe.skipIf(!hasShared)("lint over the shared flows and the seed", () => {
  const files = hasShared ? readdirSync(resolve(sharedDir, "flows")).filter((f) => f.endsWith(".json")) : [];

  it("covers every shared flow", () => {
    expect([...files, "MSD_HTTP_Connector_Flow.json"].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)("%s gets exactly the warnings a reviewer agreed with", (file) => {
    const ds = lintFile(resolve(sharedDir, "flows", file));
    expect(ds.map(label)).toEqual(EXPECTED[file]);
    for (const d of ds) {
      expect(d.severity).toBe("warning");
      expect(d.path.startsWith("$")).toBe(true);
      expect(d.fix).toMatch(/\.$/);
    }
  });

  it("warns about the seed's GetCaseInfo: it ignores the caller, so an unknown-case caller hears another customer's case", () => {
    const ds = lintFile(seedFlowPath);
    expect(ds.map(label)).toEqual(EXPECTED["MSD_HTTP_Connector_Flow.json"]);
    const w = ds.find((d) => d.code === "lookup-ignores-caller")!;
    expect(w.activity!.name).toBe("GetCaseInfo");
    expect(w.message).toContain("every caller gets the same record, someone else's");
  });
});
