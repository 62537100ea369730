/**
 * The directory of people the engine may look up: users with their roles, groups and manager. The API
 * builds it from its configuration (the demo users, AUTH_CONFIG users, DIRECTORY_FILE); processes read it
 * through FEEL (`groupMembers("cab")`, `managerOf(requester)`), so approvers come from configuration,
 * never from what a requester types; delegation and assignment check that a user exists.
 */

export interface DirectoryUser {
  id: string;
  roles: string[];
  groups: string[];
  manager?: string;
  /** Where notifications to this user go (api/notify). */
  email?: string;
}

export interface Directory {
  /** The user, or undefined when the directory does not know them. */
  user(id: string): DirectoryUser | undefined;
  /** User ids of a group's members, in directory order. */
  members(group: string): string[];
  /** Whether the directory lists anyone (an engine without one cannot check who exists). */
  readonly known: boolean;
}

export class StaticDirectory implements Directory {
  private readonly byId = new Map<string, DirectoryUser>();

  constructor(users: readonly DirectoryUser[]) {
    for (const u of users) this.byId.set(u.id, { ...u, roles: [...u.roles], groups: [...u.groups] });
  }

  get known(): boolean {
    return this.byId.size > 0;
  }

  user(id: string): DirectoryUser | undefined {
    return this.byId.get(id);
  }

  members(group: string): string[] {
    return [...this.byId.values()].filter((u) => u.groups.includes(group)).map((u) => u.id);
  }
}

/** No directory configured: nobody is known, no group has members. */
export const EMPTY_DIRECTORY: Directory = new StaticDirectory([]);
