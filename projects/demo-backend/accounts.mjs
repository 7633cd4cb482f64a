// Demo user store of the local OpenID Provider. In-memory, read-only.
import { timingSafeEqual } from 'node:crypto';

/**
 * @typedef {object} DemoAccount
 * @property {string} sub stable subject identifier
 * @property {string} [username] login name (password users only)
 * @property {string} [password] plain text; this is a demo
 * @property {string} name
 * @property {string} nickname
 * @property {string} email
 * @property {string} [connection] how the user signs in: 'password' or 'demosocial'
 */

/** @type {DemoAccount[]} */
export const ACCOUNTS = [
  {
    sub: 'alice',
    username: 'alice',
    password: 'wonderland',
    name: 'Alice Liddell',
    nickname: 'alice',
    email: 'alice@example.com',
    connection: 'password',
  },
  {
    sub: 'bob',
    username: 'bob',
    password: 'builder',
    name: 'Bob the Builder',
    nickname: 'bob',
    email: 'bob@example.com',
    connection: 'password',
  },
  {
    sub: 'demosocial|carol',
    name: 'Carol Social',
    nickname: 'carol',
    email: 'carol@social.example',
    connection: 'demosocial',
  },
];

/** The account the fake "DemoSocial" connection signs in. */
export const SOCIAL_ACCOUNT = ACCOUNTS.find((a) => a.connection === 'demosocial');

/** Users that sign in with username/password, for hints and banners. */
export const PASSWORD_USERS = ACCOUNTS.filter((a) => a.connection === 'password').map(
  ({ username, password, name }) => ({ username, password, name }),
);

/** @param {string} sub */
export function findBySub(sub) {
  return ACCOUNTS.find((a) => a.sub === sub);
}

/**
 * @param {string} username
 * @param {string} password
 * @returns {DemoAccount | undefined}
 */
export function checkPassword(username, password) {
  const account = ACCOUNTS.find(
    (a) =>
      a.connection === 'password' &&
      a.username ===
        String(username ?? '')
          .trim()
          .toLowerCase(),
  );
  if (!account) return undefined;
  const a = Buffer.from(String(password ?? ''));
  const b = Buffer.from(account.password);
  return a.length === b.length && timingSafeEqual(a, b) ? account : undefined;
}

/**
 * Standard claims of an account (filtered by the provider per scope/claims request).
 * @param {DemoAccount} account
 */
export function claimsOf(account) {
  return {
    sub: account.sub,
    name: account.name,
    nickname: account.nickname,
    preferred_username: account.username ?? account.nickname,
    email: account.email,
    email_verified: true,
  };
}
