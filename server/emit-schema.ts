import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printCommittedSchema } from './wiring/schema-file.js';

/** `npm run schema`: regenerates the committed schema.graphql from the resolvers. */
writeFileSync(new URL('../../schema.graphql', import.meta.url), await printCommittedSchema());
console.log('schema.graphql updated');
