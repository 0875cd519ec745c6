// What the scanner keeps on the phone, in IndexedDB (through idb): the event's check-in list, the scans
// waiting to sync, and the last numbers seen. Where IndexedDB is unavailable (some private windows) it
// keeps them in memory, so the door still works until the page closes.
import { openDB } from "idb";

const DB_NAME = "meetups-scanner";
const VERSION = 1;

function upgrade(db) {
  db.createObjectStore("lists", { keyPath: "eventId" });
  const queue = db.createObjectStore("queue", { keyPath: "client_scan_id" });
  queue.createIndex("eventId", "eventId");
  db.createObjectStore("meta");
}

class IdbStore {
  constructor(db) {
    this.db = db;
    this.persistent = true;
  }

  loadList(eventId) {
    return this.db.get("lists", eventId);
  }

  saveList(record) {
    return this.db.put("lists", record);
  }

  async queued(eventId) {
    const items = await this.db.getAllFromIndex("queue", "eventId", eventId);
    return items.sort((a, b) => a.seq - b.seq);
  }

  enqueue(item) {
    return this.db.put("queue", item);
  }

  async dequeue(ids) {
    const tx = this.db.transaction("queue", "readwrite");
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  }

  getMeta(key) {
    return this.db.get("meta", key);
  }

  setMeta(key, value) {
    return this.db.put("meta", value, key);
  }
}

class MemoryStore {
  constructor() {
    this.lists = new Map();
    this.queue = new Map();
    this.meta = new Map();
    this.persistent = false;
  }

  async loadList(eventId) {
    return this.lists.get(eventId);
  }

  async saveList(record) {
    this.lists.set(record.eventId, record);
  }

  async queued(eventId) {
    return [...this.queue.values()].filter((item) => item.eventId === eventId).sort((a, b) => a.seq - b.seq);
  }

  async enqueue(item) {
    this.queue.set(item.client_scan_id, item);
  }

  async dequeue(ids) {
    ids.forEach((id) => this.queue.delete(id));
  }

  async getMeta(key) {
    return this.meta.get(key);
  }

  async setMeta(key, value) {
    this.meta.set(key, value);
  }
}

export async function openStore() {
  try {
    return new IdbStore(await openDB(DB_NAME, VERSION, { upgrade }));
  } catch (error) {
    console.warn("scanner: IndexedDB unavailable, keeping scans in memory", error);
    return new MemoryStore();
  }
}
