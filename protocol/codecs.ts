import { msgpackCodec } from './codec.ts';
import * as M from './messages.ts';

/** One codec per subject family; services import these instead of building their own. */
export const codecs = {
  gameInbound: msgpackCodec(M.GameInbound),
  gameEvent: msgpackCodec(M.GameEvent),
  reply: msgpackCodec(M.Reply),
  activate: msgpackCodec(M.Activate),
  activated: msgpackCodec(M.Activated),
  hostLoad: msgpackCodec(M.HostLoad),
  rankingQuery: msgpackCodec(M.RankingQuery),
  egressRequest: msgpackCodec(M.EgressRequest),
  egressReply: msgpackCodec(M.EgressReply),
  teamActive: msgpackCodec(M.TeamActive),
  teamRemoved: msgpackCodec(M.TeamRemoved),
  supervisorState: msgpackCodec(M.SupervisorState),
  result: msgpackCodec(M.ResultMessage),
  notice: msgpackCodec(M.Notice),
  tournamentRequest: msgpackCodec(M.TournamentRequest),
  tournamentReply: msgpackCodec(M.TournamentReply),
} as const;
