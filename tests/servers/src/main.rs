//! `leadbook-test-servers`: starts the three provider stand-ins, prints one JSON line with
//! their base URLs, and runs until its standard input closes (or it is killed).

use std::io::{Read, Write};
use std::process::ExitCode;

use leadbook_test_servers::{OpenAi, Telegram, Twilio, WhatsApp};

const USAGE: &str = "usage: leadbook-test-servers [--telegram-token T] [--telegram-username U] \
[--telegram-rate N] [--whatsapp-token T] [--phone-number-id ID] [--approve-template NAME]... \
[--twilio-sid AC…] [--twilio-token T]

Prints {\"telegram\":URL,\"whatsapp\":URL,\"twilio\":URL} on one line, then serves until stdin closes.";

const OPTIONS: [&str; 8] = [
    "--telegram-token",
    "--telegram-username",
    "--telegram-rate",
    "--whatsapp-token",
    "--phone-number-id",
    "--approve-template",
    "--twilio-sid",
    "--twilio-token",
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
                _ => unreachable!("every name in OPTIONS is handled"),
            }
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

    let line = serde_json::json!({
        "telegram": telegram.base_url(),
        "whatsapp": whatsapp.base_url(),
        "twilio": twilio.base_url(),
        "openai": openai.base_url(),
    });
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);

    // Serve until stdin reaches its end (the parent closed it or exited).
    let mut sink = [0u8; 1024];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    ExitCode::SUCCESS
}
