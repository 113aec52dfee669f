// Reading realm and user settings stored in the `settings` JSON columns, with Zulip's
// defaults. Another area owns writing them; readers here only need typed defaults.

export function realmSetting<T>(realm: { settings: Record<string, unknown> | null }, key: string, dflt: T): T {
  const v = realm.settings?.[key];
  return (v === undefined || v === null ? dflt : v) as T;
}

export function userSetting<T>(user: { settings: Record<string, unknown> | null }, key: string, dflt: T): T {
  const v = user.settings?.[key];
  return (v === undefined || v === null ? dflt : v) as T;
}
