// Room for the sip package; see docs/ARCHITECTURE.md for what it will own.
export {};
