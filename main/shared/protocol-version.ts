/**
 * The control protocol's version and message limit, apart from its zod schemas
 * (control-protocol.ts): a client needs only these, and `animactl status` must not pay
 * for loading zod to ask the supervisor one question.
 */
export const PROTOCOL_VERSION = 2;
export const MAX_MESSAGE_BYTES = 1024 * 1024;
