/** Every activity ccflow runs, in one registry. */
import advancedQueueInfo from "./advanced-queue-info.js";
import blindTransfer from "./blind-transfer.js";
import breRequest from "./bre-request.js";
import bridgedTransfer from "./bridged-transfer.js";
import businessHours from "./business-hours.js";
import callback from "./callback.js";
import caseStatement from "./case-statement.js";
import condition from "./condition.js";
import disconnectContact from "./disconnect-contact.js";
import end from "./end.js";
import endSubflow from "./end-subflow.js";
import eventHandler from "./event-handler.js";
import feedbackV2 from "./feedback-v2.js";
import goTo from "./goto.js";
import httpRequest from "./http-request.js";
import collectDigits from "./ivr-collectdigits.js";
import ivrMenu from "./ivr-menu.js";
import parseActivity from "./parse-activity.js";
import percentAllocation from "./percent-allocation.js";
import playMessage from "./play-message.js";
import playMusic from "./play-music.js";
import queueContact from "./queue-contact.js";
import queueLookup from "./queue-lookup.js";
import queueToAgent from "./queue-to-agent.js";
import record from "./record.js";
import recordingControl from "./recording-control.js";
import { ActivityRegistry } from "./registry.js";
import scheduleCallback from "./schedule-callback.js";
import screenPop from "./screen-pop.js";
import sendDigits from "./send-digits.js";
import setCallerId from "./set-caller-id.js";
import setContactPriority from "./set-contact-priority.js";
import setVariable from "./set-variable.js";
import start from "./start.js";
import startMediaStream from "./start-media-stream.js";
import subflow from "./subflow.js";
import subflowStart from "./subflow-start.js";
import type { ActivitySpec } from "./types.js";
import virtualAgent from "./virtual-agent.js";
import wait from "./wait.js";

export const CORE_ACTIVITIES: ActivitySpec[] = [
  start,
  subflowStart,
  eventHandler,
  setVariable,
  playMessage,
  playMusic,
  ivrMenu,
  collectDigits,
  condition,
  caseStatement,
  httpRequest,
  parseActivity,
  queueContact,
  queueToAgent,
  queueLookup,
  callback,
  screenPop,
  blindTransfer,
  businessHours,
  virtualAgent,
  startMediaStream,
  subflow,
  goTo,
  percentAllocation,
  bridgedTransfer,
  feedbackV2,
  record,
  recordingControl,
  breRequest,
  setContactPriority,
  advancedQueueInfo,
  wait,
  setCallerId,
  sendDigits,
  scheduleCallback,
  disconnectContact,
  end,
  endSubflow,
];

export function createRegistry(extra: ActivitySpec[] = []): ActivityRegistry {
  return new ActivityRegistry([...CORE_ACTIVITIES, ...extra]);
}
