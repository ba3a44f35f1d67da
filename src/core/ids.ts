/**
 * Random identifiers from the system's cryptographic source, in base62 (nanoid:
 * uniform over the alphabet, random bytes drawn in batches rather than one
 * system call per id).
 */
import { customAlphabet } from 'nanoid';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = customAlphabet(ALPHABET);

/** A random base62 string of `length` characters (about 5.95 random bits each). */
export const randomBase62 = (length: number): string => base62(length);

/** Entity ids: 22 base62 characters (about 131 random bits), like `1mO5qKOUcacMaFXJsmJzQh`. */
export const newId = (): string => base62(22);

export const ID_PATTERN = /^[0-9A-Za-z]{22}$/;
