//! What the gateway consumes: no event is handled here as a domain fact. The WebSocket hub
//! ([`crate::ws::hub`]) reads the streams named in `[gateway.ws]` (defaults: the nexus-proto
//! stream constants, see [`crate::settings`]) and relays each entry to the topics its
//! subscribers were allowed (`ws:subscribe` through the live Cedar policies), unchanged. A
//! service that wants a new live feed publishes a typed event on its stream and adds the stream
//! to the hub's topic table; nothing is parsed or decided here beyond routing by the envelope's
//! ids.
