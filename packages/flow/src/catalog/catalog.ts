import type { AnyElementDefinition, PinEnvironment, PinSpec } from './element.js';
import { attendantElement } from './elements/attendant.js';
import { calendarElement } from './elements/calendar.js';
import { checkStatusElement } from './elements/check-status.js';
import { collectDigitsElement } from './elements/collect-digits.js';
import { forwardElement } from './elements/forward.js';
import { gotoFlowElement } from './elements/goto-flow.js';
import { hangUpElement } from './elements/hang-up.js';
import { httpRequestElement } from './elements/http-request.js';
import { incomingCallElement } from './elements/incoming-call.js';
import { matchCallerElement } from './elements/match-caller.js';
import { menuElement } from './elements/menu.js';
import { notifyDesktopElement } from './elements/notify-desktop.js';
import { playElement } from './elements/play.js';
import { rejectElement } from './elements/reject.js';
import { ringDevicesElement } from './elements/ring-devices.js';
import { scheduleElement } from './elements/schedule.js';
import { setVariableElement } from './elements/set-variable.js';
import { startWebChatElement } from './elements/start-web-chat.js';
import { switchElement } from './elements/switch.js';
import { voicemailElement } from './elements/voicemail.js';

/** Every element type, in palette order. */
export const ELEMENTS: readonly AnyElementDefinition[] = [
  incomingCallElement,
  matchCallerElement,
  switchElement,
  checkStatusElement,
  scheduleElement,
  calendarElement,
  ringDevicesElement,
  notifyDesktopElement,
  forwardElement,
  attendantElement,
  playElement,
  menuElement,
  collectDigitsElement,
  voicemailElement,
  startWebChatElement,
  setVariableElement,
  httpRequestElement,
  gotoFlowElement,
  hangUpElement,
  rejectElement,
];

const BY_TYPE = new Map(ELEMENTS.map((element) => [element.type, element]));

export function getElement(type: string): AnyElementDefinition | undefined {
  return BY_TYPE.get(type);
}

/** Pins of a node whose config is valid for its element; [] for an unknown type. */
export function pinsOf(type: string, config: unknown, env: PinEnvironment): readonly PinSpec[] {
  const element = BY_TYPE.get(type);
  if (!element) return [];
  const parsed = element.config.safeParse(config);
  return parsed.success ? element.pins(parsed.data, env) : [];
}
