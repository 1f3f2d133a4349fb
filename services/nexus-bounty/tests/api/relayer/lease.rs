//! One sender per relayer key: of two senders (two replicas), only the one holding the key's
//! lock talks to the node at all, and the other takes over when it dies. Each reaches the node
//! through a proxy of its own that counts the requests going through it, so the test sees who
//! sent, not only that nothing was sent twice (which the queue's unique nonce per key would
//! also prevent on its own).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::primitives::U256;
use nexus_bounty::relayer::TransactionStatus;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::Relay;

/// A TCP proxy to the node counting JSON-RPC requests.
struct CountingProxy {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl CountingProxy {
    async fn start(node_url: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let node = node_url.trim_start_matches("http://").to_owned();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay_connection(client, node.clone(), Arc::clone(&counter)));
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn relay_connection(client: TcpStream, node: String, counter: Arc<AtomicUsize>) {
    let Ok(server) = TcpStream::connect(&node).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upload = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(read) = client_read.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            let chunk = &buffer[..read];
            let method = b"\"method\"";
            let found = chunk
                .windows(method.len())
                .filter(|window| window == method)
                .count();
            counter.fetch_add(found, Ordering::SeqCst);
            if server_write.write_all(chunk).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let download = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    };
    tokio::join!(upload, download);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_senders_for_one_key_only_the_lock_holder_talks_to_the_node_until_it_dies() {
    let relay = Relay::start().await;
    let proxies = [
        CountingProxy::start(relay.chain.url()).await,
        CountingProxy::start(relay.chain.url()).await,
    ];
    let spawn = |proxy: &CountingProxy| {
        let mut chain = relay.chain.settings();
        chain.rpc_url = proxy.url.clone().into();
        relay.spawn_sender_on(chain)
    };
    // The first sender takes the lock (it sends a job), then the second starts.
    let (first, _first_shutdown) = spawn(&proxies[0]);
    let warm_up = relay.queue(relay.approve(1)).await;
    relay
        .until_all(&[warm_up], TransactionStatus::Confirmed)
        .await;
    let (second, second_shutdown) = spawn(&proxies[1]);
    let mut ids = Vec::new();
    for amount in 2..=11 {
        ids.push(relay.queue(relay.approve(amount)).await);
    }
    relay.until_all(&ids, TransactionStatus::Confirmed).await;

    assert_eq!(relay.mined_count().await, 11);
    assert!(proxies[0].requests() > 11);
    assert_eq!(
        proxies[1].requests(),
        0,
        "the waiting sender asked the node nothing"
    );
    let holders = sqlx::query_scalar!(
        "SELECT count(*) AS \"holders!\" FROM pg_locks \
         WHERE locktype = 'advisory' AND granted AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    .fetch_one(&relay.context.database.pool)
    .await
    .unwrap();
    assert_eq!(holders, 1, "one session holds the key's lock");

    // The holder dies (its session with it); the other takes the lock and sends the rest.
    first.abort();
    let _ = first.await;
    let mut more = Vec::new();
    for amount in 12..=16 {
        more.push(relay.queue(relay.approve(amount)).await);
    }
    relay.until_all(&more, TransactionStatus::Confirmed).await;

    assert_eq!(relay.mined_count().await, 16);
    assert_eq!(relay.allowance().await, U256::from(16));
    assert!(proxies[1].requests() > 5);
    second_shutdown.cancel();
    second.await.unwrap();
}
