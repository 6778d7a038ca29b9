/** The element every flow starts from: exactly one per map. */
export const START_ELEMENT_TYPE = 'incoming-call';
