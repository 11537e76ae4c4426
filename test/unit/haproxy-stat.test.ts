import { describe, expect, it } from 'vitest';
import { parseGetWeight, parseServersState, parseShowStat } from '../../src/traffic/shifters/haproxy-runtime.js';
import { haproxySnapshot } from '../../src/metrics/samplers/haproxy-sampler.js';

// Captured from HAProxy 2.6.12 (`show stat`), trimmed to the first 50 columns plus algo/mode.
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,';
const SHOW_STAT = [
  HEADER,
  'fe,FRONTEND,,,6,6,4096,6,31148,76073,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,6,,,,0,599,0,0,0,0,,199,202,601,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,',
  'web,web1,2,3,1,3,,395,20488,50038,,0,,4,1,0,0,no check,256,1,0,,,3,,,1,3,1,,395,,2,132,,134,,,,0,390,0,0,5,0,,,,,0,0,,,,,0,,,0,0,11,20,,,,,,,,,,,,127.0.0.1:38051,,http,,',
  'web,web2,0,0,0,2,,103,5356,13081,,0,,0,0,0,0,no check,64,1,0,,,3,,,1,3,2,,103,,2,33,,37,,,,0,103,0,0,0,0,,,,,0,0,,,,,0,,,0,0,30,19,,,,,,,,,,,,127.0.0.1:40873,,http,,',
  'web,web3,1,1,1,2,,100,5304,12954,,0,,0,0,0,0,no check,64,1,0,,,3,,,1,3,3,,103,,2,33,,36,,,,0,99,0,0,1,0,,,,,0,0,,,,,0,,,0,0,10,21,,,,,,,,,,,,127.0.0.1:42299,,http,,',
  'web,BACKEND,0,0,2,5,410,601,31148,76073,0,0,,0,0,0,0,UP,384,3,0,,0,3,0,,1,3,0,,601,,1,199,,202,,,,0,599,0,0,0,0,,,,599,0,0,0,0,0,0,0,,,0,0,11,20,,,,,,,,,,,,,,http,roundrobin,',
  '',
].join('\n');

describe('parseShowStat', () => {
  const rows = parseShowStat(SHOW_STAT);
  it('types the fields we use and keeps the rest raw', () => {
    expect(rows).toHaveLength(5);
    const web1 = rows.find((r) => r.svname === 'web1')!;
    expect(web1).toMatchObject({ pxname: 'web', type: 2, status: 'no check', weight: 256, qcur: 2, stot: 395, econ: 4, eresp: 1, hrsp5xx: 5, rtime: 11, mode: 'http' });
    expect(web1.reqTot).toBeUndefined(); // servers leave req_tot empty in 2.6
    expect(web1.raw.addr).toBe('127.0.0.1:38051');
    const be = rows.find((r) => r.svname === 'BACKEND')!;
    expect(be).toMatchObject({ type: 1, algo: 'roundrobin', reqTot: 599, weight: 384 });
    expect(rows.find((r) => r.svname === 'FRONTEND')!.algo).toBeUndefined();
  });
  it('refuses output without the CSV header', () => {
    expect(() => parseShowStat('Permission denied\n')).toThrow(/no CSV header.*Permission denied/);
  });
});

describe('parseGetWeight', () => {
  it.each([
    ['100 (initial 100)\n', { current: 100, initial: 100 }],
    ['0 (initial 1)\n\n', { current: 0, initial: 1 }],
  ])('%j', (text, want) => expect(parseGetWeight(text)).toEqual(want));
  it.each(['No such server.\n', 'No such backend.\n', ''])('HAProxy error %j becomes a clear error', (text) => {
    expect(() => parseGetWeight(text)).toThrow(/HAProxy: /);
  });
});

describe('haproxySnapshot', () => {
  const rows = parseShowStat(SHOW_STAT);
  it('sums a group of servers: stot for requests, 5xx + econ + eresp for errors, queue summed', () => {
    expect(haproxySnapshot(rows, 'web', ['web1'])).toEqual({
      requests: 395,
      errors: 5 + 4 + 1,
      errorClasses: { http: 5, refused: 4, reset: 1 },
      statusCodes: { '1xx': 0, '2xx': 390, '3xx': 0, '4xx': 0, '5xx': 5 },
      gauges: { queue: 2, mean_latency: 11 },
    });
    const control = haproxySnapshot(rows, 'web', ['web2', 'web3']);
    expect(control.requests).toBe(203);
    expect(control.errors).toBe(1);
    expect(control.gauges.queue).toBe(1);
    expect(control.gauges.mean_latency).toBe(20); // (30×64 + 10×64) / 128
  });
  it('ignores servers of other backends and the BACKEND row', () => {
    expect(haproxySnapshot(rows, 'other', ['web1']).requests).toBe(0);
  });
});

describe('parseServersState', () => {
  it('reads user and initial weights per server (HAProxy 2.6 output)', () => {
    const text = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
      '3 web 1 web1 127.0.0.1 2 0 150 100 4 1 0 2 0 0 0 0 - 19001 - 0 0 - - 0',
      '3 web 2 web2 127.0.0.1 2 0 1 1 4 1 0 2 0 0 0 0 - 19002 - 0 0 - - 0',
      '',
    ].join('\n');
    expect(parseServersState(text)).toEqual([
      { backend: 'web', server: 'web1', opState: 2, adminState: 0, uweight: 150, iweight: 100 },
      { backend: 'web', server: 'web2', opState: 2, adminState: 0, uweight: 1, iweight: 1 },
    ]);
  });
  it('refuses an error answer', () => {
    expect(() => parseServersState("Can't find backend.\n")).toThrow(/unexpected `show servers state` output: Can't find backend/);
  });
});
