#!/usr/bin/env node
/*
 * The local mail catcher's process: MailDev (npm), with the arguments it was given. Named
 * `mail-catcher` so that a pid file left by a crashed run is recognised as ours (stack-mail.ts).
 */
'use strict';

process.title = 'mail-catcher';
require('maildev/bin/maildev');
