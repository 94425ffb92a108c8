//! The REAL mail servers of the email tests, each from a throwaway config on 127.0.0.1 and a
//! free port: Dovecot (Debian's `dovecot-imapd`) for IMAP, and aiosmtpd (PyPI, in the venv the
//! Makefile makes at `.venv-test`) for SMTP submission with AUTH. Not stand-ins: the servers
//! Leadbook meets in the field, started by the test and stopped on drop.
//!
//! A missing server is a failed test with what to run (`make apt-test venv-test`), never a
//! skipped one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port on 127.0.0.1")
}

fn wait_listening(port: u16, what: &str, log: &Path) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not start listening on 127.0.0.1:{port}; its log:\n{log}");
}

extern "C" {
    fn geteuid() -> u32;
    fn getegid() -> u32;
}

fn is_root() -> bool {
    own_ids().0 == 0
}

fn own_ids() -> (u32, u32) {
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    unsafe { (geteuid(), getegid()) }
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn tempfile_dir(tag: &str) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("leadbook-{tag}-{}-{n}-{}", std::process::id(), Instant::now().elapsed().as_nanos()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn find_dovecot() -> PathBuf {
    for p in ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("Dovecot is not installed (the email tests run the real IMAP server): run `make apt-test` (Debian's dovecot-imapd)");
}

/// A Dovecot IMAP server with one user and one Maildir.
pub struct Dovecot {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    pub user: String,
    pub password: String,
    uid: u32,
    gid: u32,
    delivered: AtomicUsize,
}

impl Dovecot {
    /// Starts Dovecot for `user`/`password` on a free port of 127.0.0.1.
    pub fn start(user: &str, password: &str) -> Dovecot {
        let bin = find_dovecot();
        let dir = tempfile_dir("dovecot");
        chmod(&dir, 0o755);
        // As root, the mail belongs to an unprivileged user (Dovecot refuses to serve mail as
        // root); otherwise to whoever runs the test.
        let (uid, gid) = if is_root() { (65534, 65534) } else { own_ids() };
        let home = dir.join("home");
        for sub in ["", "Maildir", "Maildir/new", "Maildir/cur", "Maildir/tmp"] {
            let p = home.join(sub);
            std::fs::create_dir_all(&p).expect("the Maildir");
            if is_root() {
                chown(&p, uid, gid);
            }
        }
        std::fs::write(dir.join("users"), format!("{user}:{{PLAIN}}{password}:{uid}:{gid}::{}\n", home.display())).expect("the users file");
        let port = free_port();
        let root_lines = if is_root() { "default_login_user = dovenull\ndefault_internal_user = dovecot\n" } else { "" };
        let me = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
        let user_lines = if is_root() { String::new() } else { format!("default_login_user = {me}\ndefault_internal_user = {me}\n") };
        let conf = format!(
            r#"# A throwaway Dovecot for Leadbook's tests: loopback only, no TLS, one passwd-file user.
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
{root_lines}{user_lines}mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"#,
            dir = dir.display()
        );
        std::fs::write(dir.join("dovecot.conf"), conf).expect("the config");
        drop(bin);
        let mut d = Dovecot { dir, port, child: None, user: user.into(), password: password.into(), uid, gid, delivered: AtomicUsize::new(0) };
        d.up();
        d
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("home/Maildir")
    }

    /// Starts the server again (after [`Dovecot::down`]) on the same port.
    pub fn up(&mut self) {
        if self.child.is_some() {
            return;
        }
        let child = Command::new(find_dovecot())
            .arg("-F")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("stderr.log")).map(Stdio::from).unwrap_or(Stdio::null()))
            .spawn()
            .expect("dovecot starts");
        self.child = Some(child);
        wait_listening(self.port, "Dovecot", &self.dir.join("dovecot.log"));
    }

    /// Stops the server: the port refuses connections until [`Dovecot::up`].
    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SIGTERM: Dovecot's master stops its children before it exits.
            let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
            let _ = c.wait();
            let until = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Delivers a raw message as a mail server would: a file in `Maildir/new/`.
    pub fn deliver(&self, raw: &[u8]) {
        let n = self.delivered.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}.M{n}P{}.leadbook-test", 1_700_000_000 + n, std::process::id());
        let tmp = self.maildir().join("tmp").join(&name);
        std::fs::File::create(&tmp).and_then(|mut f| f.write_all(raw)).expect("a message file");
        if is_root() {
            chown(&tmp, self.uid, self.gid);
        }
        std::fs::rename(&tmp, self.maildir().join("new").join(&name)).expect("delivered");
    }

    /// Makes the folder's UIDs restart with `uid_validity`, as when a mailbox is rebuilt: the
    /// server stopped, its index and UID list replaced, started again.
    pub fn restart_uids(&mut self, uid_validity: u32) {
        self.down();
        let md = self.maildir();
        for e in std::fs::read_dir(&md).expect("the Maildir").flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("dovecot.index") || name == "dovecot-uidlist" {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let list = md.join("dovecot-uidlist");
        std::fs::write(&list, format!("3 V{uid_validity} N1\n")).expect("the UID list");
        if is_root() {
            chown(&list, self.uid, self.gid);
        }
        self.up();
    }

    /// Each message's UID and flags, asked over IMAP (`EXAMINE`, `UID FETCH 1:* (FLAGS)`).
    pub fn flags(&self) -> Vec<(u32, String)> {
        let mut s = ImapTalk::connect(self.port);
        s.command(&format!("LOGIN \"{}\" \"{}\"", self.user, self.password));
        s.command("EXAMINE INBOX");
        let lines = s.command("UID FETCH 1:* (FLAGS)");
        s.command("LOGOUT");
        lines
            .iter()
            .filter_map(|l| {
                let uid = l.split("UID ").nth(1)?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
                let flags = l.split("FLAGS (").nth(1)?.split(')').next()?.to_string();
                Some((uid, flags))
            })
            .collect()
    }

    /// The folder's UIDVALIDITY, asked over IMAP.
    pub fn uid_validity(&self) -> u32 {
        let mut s = ImapTalk::connect(self.port);
        s.command(&format!("LOGIN \"{}\" \"{}\"", self.user, self.password));
        let lines = s.command("EXAMINE INBOX");
        s.command("LOGOUT");
        lines
            .iter()
            .find_map(|l| l.split("[UIDVALIDITY ").nth(1)?.split(']').next()?.parse().ok())
            .expect("UIDVALIDITY in the EXAMINE answer")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A bare IMAP conversation (for the tests' own look at the server, and the benchmark's
/// baseline): one tagged command at a time, its lines back.
pub struct ImapTalk {
    r: BufReader<TcpStream>,
    w: TcpStream,
    tag: usize,
}

impl ImapTalk {
    pub fn connect(port: u16) -> ImapTalk {
        let w = TcpStream::connect(("127.0.0.1", port)).expect("the IMAP server");
        let mut r = BufReader::new(w.try_clone().expect("a second handle"));
        let mut greeting = String::new();
        r.read_line(&mut greeting).expect("a greeting");
        ImapTalk { r, w, tag: 0 }
    }

    /// Runs `cmd` and returns the untagged lines (literals read and left out of the lines).
    pub fn command(&mut self, cmd: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        write!(self.w, "{tag} {cmd}\r\n").expect("sent");
        let mut out = vec![];
        loop {
            let mut line = Vec::new();
            self.r.read_until(b'\n', &mut line).expect("an answer");
            if line.is_empty() {
                panic!("the IMAP server closed the connection during {cmd}");
            }
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            // A literal: {n} at the end of the line, then n bytes.
            if let Some(n) = text.strip_suffix('}').and_then(|t| t.rsplit_once('{')).and_then(|(_, n)| n.parse::<usize>().ok()) {
                let mut buf = vec![0; n];
                self.r.read_exact(&mut buf).expect("the literal");
                out.push(text);
                continue;
            }
            if text.starts_with(&format!("{tag} ")) {
                if !text.starts_with(&format!("{tag} OK")) {
                    panic!("IMAP {cmd}: {text}");
                }
                return out;
            }
            out.push(text);
        }
    }
}

fn venv_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv-test/bin/python");
    if !py.exists() {
        panic!("aiosmtpd's venv is missing (the email tests run the real SMTP server): run `make venv-test` in {}", root.display());
    }
    py
}

/// An aiosmtpd submission server requiring AUTH with one user.
pub struct Smtp {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    pub user: String,
    pub password: String,
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub login: Option<String>,
}

impl Received {
    /// The first header of that name, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.raw);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

impl Received {
    /// The text of a single-part message, its transfer encoding (base64, quoted-printable,
    /// 7bit/8bit) undone, as UTF-8.
    pub fn body_text(&self) -> String {
        let text = String::from_utf8_lossy(&self.raw).to_string();
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => base64_decode(body),
            "quoted-printable" => qp_decode(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8(bytes).expect("a UTF-8 body")
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (vec![], 0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn qp_decode(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let (mut out, mut i) = (vec![], 0);
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

impl Smtp {
    pub fn start(user: &str, password: &str) -> Smtp {
        let dir = tempfile_dir("smtp");
        let mut s = Smtp { dir, port: free_port(), child: None, user: user.into(), password: password.into() };
        s.up();
        s
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn up(&mut self) {
        if self.child.is_some() {
            return;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("mail/smtp_server.py");
        let mut child = Command::new(venv_python())
            .arg(script)
            .args(["--port", &self.port.to_string(), "--dir"])
            .arg(&self.dir)
            .args(["--user", &self.user, "--password", &self.password])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.dir.join("stderr.log")).map(Stdio::from).unwrap_or(Stdio::null()))
            .spawn()
            .expect("aiosmtpd starts");
        let mut ready = String::new();
        let _ = BufReader::new(child.stdout.take().expect("its output")).read_line(&mut ready);
        self.child = Some(child);
        wait_listening(self.port, "aiosmtpd", &self.dir.join("stderr.log"));
    }

    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Answers 451 to every MAIL FROM until [`Smtp::accept`].
    pub fn tempfail(&self) {
        std::fs::write(self.dir.join("tempfail"), "").expect("the fault file");
    }

    pub fn accept(&self) {
        let _ = std::fs::remove_file(self.dir.join("tempfail"));
        let _ = std::fs::remove_file(self.dir.join("refuse"));
    }

    /// Answers 550 (user unknown) at RCPT TO for `address`.
    pub fn refuse(&self, address: &str) {
        let path = self.dir.join("refuse");
        let mut old = std::fs::read_to_string(&path).unwrap_or_default();
        old.push_str(address);
        old.push('\n');
        std::fs::write(path, old).expect("the fault file");
    }

    /// Every message received, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> =
            std::fs::read_dir(&self.dir).map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect()).unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let raw = std::fs::read(&p).expect("a received message");
                let env: serde_json::Value = std::fs::read(p.with_extension("json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
                Received {
                    raw,
                    mail_from: env["mail_from"].as_str().unwrap_or_default().to_string(),
                    rcpt_tos: env["rcpt_tos"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default(),
                    login: env["login"].as_str().map(String::from),
                }
            })
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
