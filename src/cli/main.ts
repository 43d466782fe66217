/** `mailroom` command line: one module per command family, registered here. */
import { Command } from 'commander';
import { serve } from './context.ts';
import { registerApprovalCommands } from './approvals.ts';
import { registerDataCommands } from './data.ts';
import { registerCosts } from './costs.ts';
import { registerExtract } from './extract.ts';
import { registerHiring } from './hiring.ts';
import { registerImport } from './import.ts';
import { registerLeads } from './leads.ts';
import { registerMailboxes } from './mailboxes.ts';
import { registerOutbox } from './outbox.ts';
import { registerProcess } from './process.ts';
import { registerRunCommands } from './runs.ts';
import { registerSatisfaction } from './satisfaction.ts';
import { registerSchedules } from './schedules.ts';
import { registerResume } from './resume.ts';

const program = new Command();
program.name('mailroom').description('AI workflow agent for business inboxes').showHelpAfterError();

program
  .command('start')
  .description('run the whole service: workers, channels, HTTP (health, metrics, Slack)')
  .action(() => serve('service'));

program
  .command('worker')
  .description('execute runs only; start several against one DATABASE_URL to scale out')
  .action(() => serve('worker'));

registerRunCommands(program);
registerApprovalCommands(program);
registerDataCommands(program);
registerProcess(program);
registerHiring(program);
registerExtract(program);
registerOutbox(program);
registerImport(program);
registerMailboxes(program);
registerCosts(program);
registerSatisfaction(program);
registerSchedules(program);
registerResume(program);
registerLeads(program);

await program.parseAsync(process.argv);
