import { builder } from './builder.js';
import './errors.js';
import './credential.js';
import './viewer.js';
import './workspace.js';
import './pairing.js';
import './audit.js';
import './events.js';

export const schema = builder.toSchema({ sortSchema: false });
