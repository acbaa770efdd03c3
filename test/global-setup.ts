import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { openDatabase } from '../src/db/db-client.js';
import { runMigrations } from '../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database per run on real PostgreSQL, migrated once, dropped at the end. */
export default async function setup(project: TestProject) {
  const name = `kabar_test_${Date.now().toString(36)}_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end();
    throw new Error(
      `Cannot create a test database on ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: is PostgreSQL running? (${(err as Error).message})`,
    );
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const handle = await openDatabase({ databaseUrl, poolSize: 1 });
  await runMigrations(handle);
  await handle.close();
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
