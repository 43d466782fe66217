/**
 * A real WordPress for tests: Debian's `wordpress` package served by `php -S` on loopback, on a
 * throwaway MariaDB (its own data dir, unix socket only, run as the `mysql` user since mariadbd
 * refuses root). Debian's wp-config.php reads /etc/wordpress/config-<name>.php; the router script
 * names a per-instance file (WORDPRESS_CONFIG), written here and removed by close(). There is no
 * wp-cli in Debian: a short PHP script installs the site (wp_install), turns on pretty permalinks
 * (the REST API at /wp-json/) and creates an application password for the editor.
 *
 * Needs: apt-get install wordpress php-cli php-mysql mariadb-server (see .ci/run).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const WP_ROOT = '/usr/share/wordpress';

export interface TestWordPress {
  url: string;
  user: string;
  appPassword: string;
  /** Runs SQL against the site's database (for assertions). */
  sql(query: string): string;
  close(): Promise<void>;
}

export const wordpressAvailable = (): boolean => fs.existsSync(path.join(WP_ROOT, 'wp-load.php')) && fs.existsSync('/usr/bin/php') && fs.existsSync('/usr/bin/mariadb-install-db');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`WordPress harness: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a child and waits for it: PID 1 here reaps no orphans, so nothing is left behind. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startWordPress(): Promise<TestWordPress> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-wp-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'mysql');
  const socket = path.join(dir, 'mysql.sock');
  const mysqlUid = Number(execFileSync('id', ['-u', 'mysql']).toString().trim());
  const mysqlGid = Number(execFileSync('id', ['-g', 'mysql']).toString().trim());
  fs.mkdirSync(data);
  fs.chownSync(data, mysqlUid, mysqlGid);
  fs.chownSync(dir, mysqlUid, mysqlGid);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  let mysqld: ChildProcess | undefined;
  let php: ChildProcess | undefined;
  const port = await freePort();
  const name = `mailroomtest${port}`;
  const configFile = `/etc/wordpress/config-${name}.php`;
  const close = async () => {
    await stop(php);
    await stop(mysqld);
    fs.rmSync(configFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    mysqld = spawn('/usr/sbin/mariadbd', ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--skip-networking', `--pid-file=${path.join(dir, 'mysqld.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=32M'], { uid: mysqlUid, gid: mysqlGid, stdio: ['ignore', 'ignore', 'pipe'] });
    let mysqlLog = '';
    mysqld.stderr!.on('data', (c) => (mysqlLog = (mysqlLog + c).slice(-4000)));
    await until(`MariaDB on ${socket}`, () => {
      if (mysqld!.exitCode !== null) throw new Error(`mariadbd exited: ${mysqlLog}`);
      return fs.existsSync(socket);
    });
    const sql = (query: string, db?: string) => execFileSync('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '-N', '-B', ...(db ? [db] : []), '-e', query]).toString();
    sql(`CREATE DATABASE wp; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-pass'; GRANT ALL ON wp.* TO 'wp'@'localhost';`);
    const url = `http://127.0.0.1:${port}`;
    const content = path.join(dir, 'wp-content');
    fs.mkdirSync(path.join(content, 'uploads'), { recursive: true });
    fs.writeFileSync(configFile, `<?php
define('DB_NAME', 'wp');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp-pass');
define('DB_HOST', 'localhost:${socket}');
define('WP_CONTENT_DIR', '${content}');
define('WP_HOME', '${url}');
define('WP_SITEURL', '${url}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
${['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'].map((k) => `define('${k}', '${k}-${port}-test');`).join('\n')}
`);
    const router = path.join(dir, 'router.php');
    fs.writeFileSync(router, `<?php
$_SERVER['WORDPRESS_CONFIG'] = '${name}';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = '${WP_ROOT}' . $path;
if ($path !== '/' && is_file($file)) return false;
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = '${WP_ROOT}/index.php';
require '${WP_ROOT}/index.php';
`);
    const install = path.join(dir, 'install.php');
    fs.writeFileSync(install, `<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}';
$_SERVER['WORDPRESS_CONFIG'] = '${name}';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require '${WP_ROOT}/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install('Mailroom test site', 'editor', 'editor@example.com', true, '', 'editor-password-123');
update_option('permalink_structure', '/%postname%/');
$user = get_user_by('login', 'editor');
$made = WP_Application_Passwords::create_new_application_password($user->ID, array('name' => 'mailroom'));
if (is_wp_error($made)) { fwrite(STDERR, $made->get_error_message()); exit(1); }
echo json_encode(array('password' => $made[0]));
`);
    const out = execFileSync('php', [install], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const appPassword = (JSON.parse(out.slice(out.indexOf('{'))) as { password: string }).password;
    // One process (no PHP_CLI_SERVER_WORKERS): forked workers would outlive a SIGTERM to their parent.
    php = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', WP_ROOT, router], { stdio: ['ignore', 'ignore', 'ignore'] });
    await until(`php -S on ${url}`, async () => {
      if (php!.exitCode !== null) throw new Error('php -S exited');
      return fetch(`${url}/wp-json/`).then((r) => r.ok, () => false);
    });
    return { url, user: 'editor', appPassword, sql: (q) => sql(q, 'wp'), close };
  } catch (err) {
    await close();
    throw err;
  }
}
