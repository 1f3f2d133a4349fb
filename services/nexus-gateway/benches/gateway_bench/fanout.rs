//! `fanout`: WebSocket delivery latency under load, measured at the clients.
//!
//! The load client shares the machine's two cores with the server under test, so it is built to
//! cost as little as possible per message: raw TCP, frames parsed in place from one reusable
//! buffer, one current-thread runtime per thread, latencies kept thread-locally. A general
//! WebSocket library (tokio-tungstenite) allocated a message per frame and roughly doubled the
//! client's CPU per delivery, which showed up as "server latency".
//!
//! Every client signs in (a bearer token on the upgrade, when given), subscribes with the hub's
//! protocol and counts as ready once the server confirmed the subscription. The publisher then
//! puts envelopes carrying their send time (µs since the epoch) on a Redis channel; the latency
//! of a delivery is the receive time minus that send time.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What `fanout` is asked to do.
pub struct Plan {
    /// `ws://host:port/path`.
    pub url: String,
    /// Connections to open.
    pub clients: u64,
    /// Events per second each client receives.
    pub rate: u64,
    /// Length of the measured run.
    pub seconds: u64,
    /// Redis to publish on.
    pub redis_url: String,
    /// The channel the server under test reads.
    pub channel: String,
    /// A bearer token for the upgrade request.
    pub token: Option<String>,
    /// 0: every client subscribes to `bounties` (one broadcast topic). K > 0: client i subscribes
    /// to `bounty:{i mod K}` and events cycle through the K bounties, K × rate events/s in all.
    pub topics: u64,
    /// Client threads.
    pub threads: usize,
}

pub fn micros_now() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

/// One parsed frame: opcode, payload range within the buffer, bytes consumed.
fn parse_frame(buffer: &[u8]) -> Option<(u8, std::ops::Range<usize>, usize)> {
    let (&first, &second) = (buffer.first()?, buffer.get(1)?);
    let (length, mut header) = match second & 0x7f {
        126 => (
            usize::from(u16::from_be_bytes([*buffer.get(2)?, *buffer.get(3)?])),
            4,
        ),
        127 => {
            let bytes: [u8; 8] = buffer.get(2..10)?.try_into().ok()?;
            (usize::try_from(u64::from_be_bytes(bytes)).ok()?, 10)
        }
        short => (usize::from(short), 2),
    };
    if second & 0x80 != 0 {
        header += 4; // servers never mask; tolerated anyway
    }
    let end = header + length;
    (buffer.len() >= end).then_some((first & 0x0f, header..end, end))
}

/// A masked client frame (RFC 6455 §5.3; the key is fixed, which the protocol allows).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        length @ 0..=125 => frame.push(0x80 | u8::try_from(length).unwrap()),
        length => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&u16::try_from(length).unwrap().to_be_bytes());
        }
    }
    frame.extend_from_slice(&KEY);
    frame.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, byte)| byte ^ KEY[i % 4]),
    );
    frame
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Per-thread results.
#[derive(Default)]
struct Tally {
    latencies_us: RefCell<Vec<u32>>,
    delivered: Cell<u64>,
    closed: Cell<u64>,
}

struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    start: usize,
}

impl Client {
    /// Reads until one whole frame is buffered; returns (opcode, payload range).
    async fn frame(&mut self) -> std::io::Result<(u8, std::ops::Range<usize>)> {
        loop {
            if let Some((opcode, payload, used)) = parse_frame(&self.buffer[self.start..]) {
                let range = self.start + payload.start..self.start + payload.end;
                self.start += used;
                return Ok((opcode, range));
            }
            if self.start > 0 {
                self.buffer.drain(..self.start);
                self.start = 0;
            }
            self.buffer.reserve(8192);
            if self.stream.read_buf(&mut self.buffer).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads frames until a text frame containing `marker`.
    async fn expect_text(&mut self, marker: &[u8]) -> std::io::Result<()> {
        loop {
            let (opcode, range) = self.frame().await?;
            if opcode == 0x8 {
                return Err(std::io::ErrorKind::ConnectionAborted.into());
            }
            if opcode == 0x1 && find(&self.buffer[range], marker).is_some() {
                return Ok(());
            }
        }
    }
}

async fn open(
    address: SocketAddr,
    host: &str,
    path: &str,
    token: Option<&str>,
    topic: &str,
) -> std::io::Result<Client> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let authorization = token.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{authorization}\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buffer = Vec::with_capacity(8192);
    let header_end = loop {
        if stream.read_buf(&mut buffer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end + 4;
        }
    };
    if !buffer.starts_with(b"HTTP/1.1 101") {
        return Err(std::io::Error::other("the upgrade was refused"));
    }
    let mut client = Client {
        stream,
        buffer,
        start: header_end,
    };
    if token.is_some() {
        client.expect_text(b"auth_success").await?;
    }
    let subscribe = format!(r#"{{"type":"subscribe","topic":"{topic}"}}"#);
    client
        .stream
        .write_all(&client_frame(0x1, subscribe.as_bytes()))
        .await?;
    client.expect_text(b"\"subscribed\"").await?;
    Ok(client)
}

/// Receives until the connection ends, recording each event's latency.
async fn receive(mut client: Client, tally: Rc<Tally>) {
    const SENT_AT: &[u8] = b"\"sent_at\":";
    loop {
        let Ok((opcode, range)) = client.frame().await else {
            return;
        };
        match opcode {
            0x1 => {
                let received = micros_now();
                let payload = &client.buffer[range];
                if let Some(at) = find(payload, SENT_AT) {
                    let sent = payload[at + SENT_AT.len()..]
                        .iter()
                        .take_while(|byte| byte.is_ascii_digit())
                        .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'));
                    let latency = u32::try_from(received.saturating_sub(sent)).unwrap_or(u32::MAX);
                    tally.latencies_us.borrow_mut().push(latency);
                    tally.delivered.set(tally.delivered.get() + 1);
                }
            }
            0x9 => {
                let pong = client_frame(0xA, &client.buffer[range]);
                if client.stream.write_all(&pong).await.is_err() {
                    return;
                }
            }
            0x8 => {
                tally.closed.set(tally.closed.get() + 1);
                return;
            }
            _ => {}
        }
    }
}

/// One client thread: opens its share of the connections, then receives until `stop`.
fn client_thread(
    plan: Arc<Plan>,
    indices: Vec<u64>,
    ready: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> (Vec<u32>, u64, u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let tally = Rc::new(Tally::default());
    let rest = plan.url.strip_prefix("ws://").expect("a ws:// URL");
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |slash| (&rest[..slash], &rest[slash..]));
    let address: SocketAddr = authority.parse().expect("host:port with an IP address");
    local.block_on(&runtime, async {
        for (n, index) in indices.into_iter().enumerate() {
            let topic = match plan.topics {
                0 => "bounties".to_owned(),
                topics => format!("bounty:{}", index % topics),
            };
            let (plan, tally, ready) = (plan.clone(), tally.clone(), ready.clone());
            let host = authority.to_owned();
            let path = path.to_owned();
            tokio::task::spawn_local(async move {
                match open(address, &host, &path, plan.token.as_deref(), &topic).await {
                    Ok(client) => {
                        ready.fetch_add(1, Ordering::Relaxed);
                        receive(client, tally).await;
                    }
                    Err(error) => eprintln!("client {index}: {error}"),
                }
            });
            if n % 100 == 99 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let latencies = std::mem::take(&mut *tally.latencies_us.borrow_mut());
    (latencies, tally.delivered.get(), tally.closed.get())
}

/// Runs the plan and prints one summary line.
pub fn run(plan: Plan) {
    let plan = Arc::new(plan);
    let ready = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..plan.threads)
        .map(|thread| {
            let indices: Vec<u64> = (0..plan.clients)
                .filter(|index| usize::try_from(*index).unwrap() % plan.threads == thread)
                .collect();
            let (plan, ready, stop) = (plan.clone(), ready.clone(), stop.clone());
            std::thread::spawn(move || client_thread(plan, indices, ready, stop))
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (published, elapsed) = runtime.block_on(publish(&plan, &ready));
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut delivered, mut closed) = (0, 0);
    for thread in threads {
        let (mut part, count, closes) = thread.join().unwrap();
        latencies.append(&mut part);
        delivered += count;
        closed += closes;
    }
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        f64::from(latencies.get(index).copied().unwrap_or(0)) / 1000.0
    };
    let connected = ready.load(Ordering::Relaxed);
    let expected = match plan.topics {
        0 => published * connected,
        _ => published * connected / plan.topics,
    };
    println!(
        "published {published} events, delivered {delivered} of {expected} ({:.0} deliveries/s), \
         closed by server {closed}; latency ms p50 {:.2} p99 {:.2} p99.9 {:.2} max {:.2}",
        delivered as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        percentile(0.999),
        percentile(1.0),
    );
}

/// Waits for every client, publishes for the planned time and waits 2 s for stragglers.
/// Returns the events published and the seconds the deliveries had.
async fn publish(plan: &Plan, ready: &AtomicU64) -> (u64, f64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while ready.load(Ordering::Relaxed) < plan.clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = ready.load(Ordering::Relaxed);
    println!("connected {connected}/{}", plan.clients);
    let redis = redis::Client::open(plan.redis_url.as_str()).unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    let events_per_second = plan.rate * plan.topics.max(1);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / events_per_second as f64));
    let started = Instant::now();
    let mut published = 0u64;
    while started.elapsed() < Duration::from_secs(plan.seconds) {
        ticker.tick().await;
        let envelope = serde_json::json!({
            "id": uuid::Uuid::now_v7(), "name": "BountyOpened", "version": 1,
            "occurred_at": chrono::Utc::now(),
            "payload": {"bounty_id": published % plan.topics.max(1), "sent_at": micros_now()}
        });
        let _: i64 = redis::cmd("PUBLISH")
            .arg(&plan.channel)
            .arg(envelope.to_string())
            .query_async(&mut connection)
            .await
            .unwrap();
        published += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    (published, started.elapsed().as_secs_f64())
}
