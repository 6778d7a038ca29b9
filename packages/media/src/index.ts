// Room for the media package; see docs/ARCHITECTURE.md for what it will own.
export {};
