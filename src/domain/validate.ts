// Input rules shared by the API, the CLI and jobs.
import { errors } from "./errors.ts";

// Deliberately simple: one @, no spaces, a dot in the domain. Delivery decides the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(raw: string, varName = "email"): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw errors.invalid(varName, `Invalid email address: ${raw.trim().slice(0, 100)}`);
  return email;
}

export const MAX_NAME_LENGTH = 100;

export function validateFullName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw errors.invalid("full_name", "Name too short!");
  if (name.length > MAX_NAME_LENGTH) throw errors.invalid("full_name", "Name too long!");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw errors.invalid("full_name", "Invalid characters in name!");
  }
  return name;
}

export const MIN_PASSWORD_LENGTH = 8;

export interface PasswordPolicy {
  minLength: number;
  /** how many of: lower case, upper case, digits, other characters */
  minClasses: number;
}

/** Length and a character-class strength rule (both configurable; see config passwordMin*). */
export function validatePassword(password: string, policy: PasswordPolicy = { minLength: MIN_PASSWORD_LENGTH, minClasses: 1 }): void {
  if (password.length < policy.minLength) {
    throw errors.badRequest(`Password is too short (at least ${policy.minLength} characters).`);
  }
  if (password.length > 1024) throw errors.badRequest("Password is too long.");
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < policy.minClasses) {
    throw errors.badRequest(`Password is too weak: mix at least ${policy.minClasses} of lower case, upper case, digits and other characters.`);
  }
}

export function validateSubdomain(raw: string): string {
  const s = raw.trim().toLowerCase();
  if (s === "") return s;
  if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(s)) {
    throw errors.invalid("string_id", "Subdomains may contain only lowercase letters, digits and dashes, and must not start or end with a dash.");
  }
  return s;
}
