/** Codes of the local-cluster launchers (`surfinger up`, tests, bench). */
export const LocalErrorCodes = {
  /** A service of the local cluster exited or was not ready in time (its log file is named). */
  CLUSTER_START: 'SF_ERR_CLUSTER_START',
  /** `cluster.service(id)` / a NATS node name that the cluster does not have. */
  CLUSTER_UNKNOWN_PROCESS: 'SF_ERR_CLUSTER_UNKNOWN_PROCESS',
  /** nats-server, redis-server or redis-sentinel did not start (or Sentinel did not settle). */
  INFRA_START: 'SF_ERR_INFRA_START',
} as const;
export type LocalErrorCode = (typeof LocalErrorCodes)[keyof typeof LocalErrorCodes];
