//! `leadbook-test-servers`: starts the three provider stand-ins (and, when asked, a real Dovecot
//! and aiosmtpd for one mail user), prints one JSON line with their addresses, and runs until
//! its standard input closes (or it is killed). A line `deliver PATH` on standard input
//! delivers that file into the mail user's inbox, as a mail server would.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use leadbook_test_servers::{Dovecot, OpenAi, Smtp, Telegram, Twilio, WhatsApp};

const USAGE: &str = "usage: leadbook-test-servers [--telegram-token T] [--telegram-username U] \
[--telegram-rate N] [--whatsapp-token T] [--phone-number-id ID] [--approve-template NAME]... \
[--twilio-sid AC…] [--twilio-token T] [--mail-user U --mail-password P]

Prints {\"telegram\":URL,\"whatsapp\":URL,\"twilio\":URL,…} on one line (with \"imap_port\" and
\"smtp_port\" when a mail user is given), then serves until stdin closes; `deliver PATH` on stdin
puts that file into the mail user's inbox.";

const OPTIONS: [&str; 10] = [
    "--telegram-token",
    "--telegram-username",
    "--telegram-rate",
    "--whatsapp-token",
    "--phone-number-id",
    "--approve-template",
    "--twilio-sid",
    "--twilio-token",
    "--mail-user",
    "--mail-password",
];

struct Args {
    telegram_token: String,
    telegram_username: Option<String>,
    telegram_rate: Option<u32>,
    whatsapp_token: String,
    phone_number_id: String,
    templates: Vec<String>,
    twilio_sid: String,
    twilio_token: String,
    mail_user: Option<String>,
    mail_password: Option<String>,
}

/// Why the arguments were not taken: `Help` was asked for, or a message says what is wrong.
enum Refused {
    Help,
    Bad(String),
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, Refused> {
        let mut parsed = Args {
            telegram_token: "7000000001:AAE-leadbook-test-token".into(),
            telegram_username: None,
            telegram_rate: None,
            whatsapp_token: "EAAleadbooktest".into(),
            phone_number_id: "106540352242922".into(),
            templates: Vec::new(),
            twilio_sid: "AC00000000000000000000000000000000".into(),
            twilio_token: "leadbook-test-auth-token".into(),
            mail_user: None,
            mail_password: None,
        };
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(Refused::Help);
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            if !OPTIONS.contains(&name.as_str()) {
                return Err(Refused::Bad(format!("unknown option {name}")));
            }
            let value = match inline.or_else(|| args.next()) {
                Some(value) => value,
                None => return Err(Refused::Bad(format!("{name} needs a value"))),
            };
            match name.as_str() {
                "--telegram-token" => parsed.telegram_token = value,
                "--telegram-username" => parsed.telegram_username = Some(value),
                "--telegram-rate" => {
                    let rate = value
                        .parse()
                        .map_err(|_| Refused::Bad(format!("--telegram-rate: not a number: {value}")))?;
                    parsed.telegram_rate = Some(rate);
                }
                "--whatsapp-token" => parsed.whatsapp_token = value,
                "--phone-number-id" => parsed.phone_number_id = value,
                "--approve-template" => parsed.templates.push(value),
                "--twilio-sid" => parsed.twilio_sid = value,
                "--twilio-token" => parsed.twilio_token = value,
                "--mail-user" => parsed.mail_user = Some(value),
                "--mail-password" => parsed.mail_password = Some(value),
                _ => unreachable!("every name in OPTIONS is handled"),
            }
        }
        if parsed.mail_user.is_some() != parsed.mail_password.is_some() {
            return Err(Refused::Bad("--mail-user and --mail-password go together".into()));
        }
        Ok(parsed)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(refused) => {
            if let Refused::Bad(message) = refused {
                eprintln!("leadbook-test-servers: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    let telegram = Telegram::start(&args.telegram_token);
    if let Some(username) = &args.telegram_username {
        telegram.set_bot_username(username);
    }
    if let Some(rate) = args.telegram_rate {
        telegram.limit_rate(rate);
    }
    let whatsapp = WhatsApp::start(&args.whatsapp_token, &args.phone_number_id);
    for name in &args.templates {
        whatsapp.approve_template(name);
    }
    let twilio = Twilio::start(&args.twilio_sid, &args.twilio_token);
    // A language model that needs no key and rewrites each draft recognisably.
    let openai = OpenAi::start(None);

    // The real mail servers, for one user, when asked (they need Dovecot and the test venv).
    let mail = match (&args.mail_user, &args.mail_password) {
        (Some(user), Some(password)) => Some((Dovecot::start(user, password), Smtp::start(user, password))),
        _ => None,
    };

    let mut line = serde_json::json!({
        "telegram": telegram.base_url(),
        "whatsapp": whatsapp.base_url(),
        "twilio": twilio.base_url(),
        "openai": openai.base_url(),
    });
    if let Some((imap, smtp)) = &mail {
        line["imap_port"] = imap.port().into();
        line["smtp_port"] = smtp.port().into();
    }
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);

    // Serve until stdin reaches its end (the parent closed it or exited), delivering the mail
    // files it names.
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(path) = line.trim().strip_prefix("deliver ") else { continue };
        match (&mail, std::fs::read(path.trim())) {
            (Some((imap, _)), Ok(raw)) => imap.deliver(&raw),
            (None, _) => eprintln!("leadbook-test-servers: no mail user (--mail-user) to deliver {path} to"),
            (_, Err(e)) => eprintln!("leadbook-test-servers: cannot read {path}: {e}"),
        }
    }
    ExitCode::SUCCESS
}
