// Zulip's role codes.
export const Role = {
  OWNER: 100,
  ADMINISTRATOR: 200,
  MODERATOR: 300,
  MEMBER: 400,
  GUEST: 600,
} as const;
export type RoleCode = (typeof Role)[keyof typeof Role];

export const ROLE_NAMES: Record<string, RoleCode> = {
  owner: Role.OWNER,
  admin: Role.ADMINISTRATOR,
  administrator: Role.ADMINISTRATOR,
  moderator: Role.MODERATOR,
  member: Role.MEMBER,
  guest: Role.GUEST,
};

export function isRoleCode(n: unknown): n is RoleCode {
  return typeof n === "number" && (Object.values(Role) as number[]).includes(n);
}

export const isAdminRole = (role: number) => role <= Role.ADMINISTRATOR;
export const isModeratorOrAbove = (role: number) => role <= Role.MODERATOR;
export const isGuestRole = (role: number) => role === Role.GUEST;
