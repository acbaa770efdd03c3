import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { createBus } from '../src/events/bus.js';
import { createSchema } from '../src/graphql/graphql-schema.js';

// `npm run schema:print`: rewrites schema.graphql, the committed copy of the served schema.
const schema = await createSchema(createBus());
writeFileSync(new URL('../schema.graphql', import.meta.url), `${printSchema(schema)}\n`);
console.log('schema.graphql written');
