import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type HostMetrics = ReturnType<typeof createHostMetrics>;

/** The actor host's Prometheus metrics; `games` reads live counts from the host when scraped. */
export function createHostMetrics(registry: Registry, games: () => { active: number; running: number; capacity?: number }) {
  return {
    active: new Gauge({
      name: 'sf_games_active',
      help: 'Channel-game actors activated on this host',
      registers: [registry],
      collect() {
        this.set(games().active);
      },
    }),
    running: new Gauge({
      name: 'sf_games_running',
      help: 'Activated actors with a game in progress',
      registers: [registry],
      collect() {
        this.set(games().running);
      },
    }),
    capacity: new Gauge({
      name: 'sf_games_capacity',
      help: 'Budget of running games on this host (SF_HOST_MAX_GAMES; 0 = no budget)',
      registers: [registry],
      collect() {
        this.set(games().capacity ?? 0);
      },
    }),
    started: new Counter({ name: 'sf_games_started_total', help: 'Games started on this host', registers: [registry] }),
    finished: new Counter({ name: 'sf_games_finished_total', help: 'Games finished on this host', registers: [registry] }),
    answerLatency: new Histogram({
      name: 'sf_answer_latency_seconds',
      help: 'Inbound chat message to step committed and answered',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    turnEvents: new Histogram({
      name: 'sf_turn_events',
      help: 'Events stepped per committed mailbox turn (group commit: more than 1 means a burst shared one snapshot write)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    restarts: new Counter({ name: 'sf_actor_restarts_total', help: 'Actors restarted from their snapshot after a throwing step', registers: [registry] }),
    renewFailures: new Counter({ name: 'sf_lease_renew_failures_total', help: 'Failed membership lease renewals', registers: [registry] }),
    activations: new Counter({ name: 'sf_activations_total', help: 'Actors activated on this host', labelNames: ['reason'], registers: [registry] }),
    fenced: new Counter({ name: 'sf_actor_fenced_total', help: 'Actors stopped because this host lost their lease', registers: [registry] }),
    editsCoalesced: new Counter({ name: 'sf_edits_coalesced_total', help: 'Message edits skipped because a newer edit of the same message followed', registers: [registry] }),
    admissionRefused: new Counter({
      name: 'sf_admission_refused_total',
      help: 'New games refused for want of room: code SF_ERR_CLUSTER_FULL (the player was told "busy") or SF_ERR_HOST_FULL (moved to a host with room)',
      labelNames: ['at', 'code'],
      registers: [registry],
    }),
    passivations: new Counter({ name: 'sf_passivations_total', help: 'Idle actors passivated', registers: [registry] }),
  };
}
