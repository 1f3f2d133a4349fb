import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The gateway serves dist/ at / (services/nexus-gateway/src/routes/dashboard.rs) under a CSP with
// no inline code: the module preload polyfill is bundled rather than inlined, and `npm run dev`
// proxies the API and the WebSocket to a local gateway so the pages use the same origin paths.
const gateway = process.env.NEXUS_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // Images below this size would be inlined as data: URIs; the CSP allows them, but files
    // keep the policy simpler to audit.
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": gateway,
      "/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
