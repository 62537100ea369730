/**
 * The directory the engine looks people up in (engine/expr/directory.ts): approvers by group
 * (`groupMembers`), managers (`managerOf`), and who exists to be delegated or assigned a task. It is
 * built from the users the API knows (the demo users in demo mode, AUTH_CONFIG users with their
 * `manager`) and DIRECTORY_FILE, a JSON file `{ "users": [{ "id", "roles", "groups", "manager", "email" }] }`
 * for users who sign in through OIDC and for everyone's e-mail address (notifications, api/notify); an
 * entry there wins over one with the same id.
 */
import fs from 'node:fs';
import { StaticDirectory, type Directory, type DirectoryUser } from '../engine';
import { Authenticator, ROLES } from './auth';
import type { ApiConfig } from './config';

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : []);

/** Reads DIRECTORY_FILE; a broken file stops the start with the reason. */
export function readDirectoryFile(file: string): DirectoryUser[] {
  let json: { users?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`DIRECTORY_FILE ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(json.users)) throw new Error(`DIRECTORY_FILE ${file}: expected {"users": [...]}`);
  return json.users.map((u: Record<string, unknown>, i: number) => {
    if (typeof u?.id !== 'string' || !u.id) throw new Error(`DIRECTORY_FILE ${file}: users[${i}] has no id`);
    const roles = strings(u.roles);
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length) throw new Error(`DIRECTORY_FILE ${file}: users[${i}] (${u.id}) has unknown roles ${unknown.join(', ')}`);
    if (u.email !== undefined && (typeof u.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(u.email)))
      throw new Error(`DIRECTORY_FILE ${file}: users[${i}] (${u.id}) has no valid email`);
    return {
      id: u.id,
      roles,
      groups: strings(u.groups),
      manager: typeof u.manager === 'string' && u.manager ? u.manager : undefined,
      ...(typeof u.email === 'string' ? { email: u.email } : {}),
    };
  });
}

/** Everyone the directory knows (the task page's delegation picker lists those who work tasks). */
export function directoryUsers(config: Pick<ApiConfig, 'demo' | 'authConfigFile' | 'oidc' | 'directoryFile'>): DirectoryUser[] {
  const users = new Map<string, DirectoryUser>();
  for (const u of new Authenticator(config).knownUsers) users.set(u.id, u);
  if (config.directoryFile) for (const u of readDirectoryFile(config.directoryFile)) users.set(u.id, u);
  return [...users.values()];
}

export function buildDirectory(config: Pick<ApiConfig, 'demo' | 'authConfigFile' | 'oidc' | 'directoryFile'>): Directory {
  return new StaticDirectory(directoryUsers(config));
}
