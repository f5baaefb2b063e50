#!/usr/bin/env node
import { startServer } from '../dist/main.js';

startServer(process.argv.slice(2));
