// One DMA channel: the run sequence of the TLM engine (models/dma_engine.cpp) as a state machine.
//   idle -> start checks (DESC_COUNT, 32-bit descriptor address) -> fetch the descriptor array
//   (read bursts split at 4 KiB, up to MAX_READS outstanding) into the descriptor memory, each
//   descriptor decoded and checked as it arrives -> per descriptor: report its check error or
//   issue its bursts (never across a 4 KiB host boundary) -> drain -> done -> MSI (if IRQ_EN).
// Read bursts are tracked in a queue (head consumed by dma_rd_mover), write bursts in a queue
// popped by their write responses. The first error stops issuing; what is outstanding drains,
// then the run ends with the first error in descriptor order (a response error of an earlier
// burst wins over a check error of a later descriptor). A change of direction between
// descriptors waits for the outstanding bursts, so errors, byte counts and VRAM hazards keep
// descriptor order. BYTES counts bursts completed without error before the first error.
// DMA_CTRL.ABORT (abort_run from dma_csr, only while the run is BUSY: never in the MSI
// states) sends the channel to idle at once: no new request, no completion, no MSI. The bursts
// still outstanding stay in their queues and are counted as orphans (rd_orph, b_orph): the oldest
// entries of each queue. Their read beats and write responses are still taken from the bus, in
// order, and dropped (no VRAM write, no descriptor assembly, no error, no BYTES); a following run
// queues behind them. Write bursts already accepted by dma_req_arb still go out (their data is
// read from VRAM as usual), as the TLM engine's posted writes do.
`default_nettype none

module dma_channel
  import dma_pkg::*;
#(
  parameter int DATA_BYTES = 32,    // data-path bytes per beat (4, 8, 16 or 32)
  parameter int MAX_READS  = 32,    // outstanding host read bursts (>= 1)
  parameter int MAX_WRITES = 32,    // outstanding host write bursts awaiting a response (>= 1)
  parameter int DESC_DEPTH = 4096   // descriptors held per run (1..4096)
) (
  input  wire                      clk,
  input  wire                      rst,
  input  wire                      cfg_addr64,
  input  wire  [40:0]              cfg_vram_bytes,
  // Run control (dma_csr).
  input  wire                      start_valid,
  output logic                     start_ready,
  input  wire  [63:0]              desc_base,
  input  wire  [31:0]              desc_count,
  input  wire                      irq_en,
  input  wire  [63:0]              msi_addr,
  input  wire  [31:0]              msi_data,
  output logic                     done_valid,
  output logic [2:0]               done_err,
  output logic [13:0]              bytes_add,
  output logic                     active,
  input  wire                      abort_run,    // DMA_CTRL.ABORT while BUSY (one-cycle pulse)
  output logic                     draining,     // bursts of an aborted run still outstanding
  // Bus-master requests (to dma_req_arb); req_vaddr carries DMA_MSI_DATA for the MSI.
  output logic                     req_valid,
  input  wire                      req_ready,
  output logic                     req_write,
  output kind_t                    req_kind,
  output logic [63:0]              req_addr,
  output logic [12:0]              req_len,
  output logic [39:0]              req_vaddr,
  // Oldest outstanding read burst (to dma_rd_mover).
  output logic                     rdq_valid,
  output kind_t                    rdq_kind,
  output logic [39:0]              rdq_vaddr,
  output logic [12:0]              rdq_len,
  input  wire                      rdq_pop,
  // Read beats of this channel (from dma_rd_mover), nbytes valid from lane 0.
  input  wire                      rbeat_valid,
  input  wire                      rbeat_err,
  input  wire                      rbeat_last,
  input  wire  [$clog2(DATA_BYTES):0] rbeat_nbytes,
  input  wire  [DATA_BYTES*8-1:0]  rbeat_data,
  output logic                     suppress,     // an error was seen: drop further VRAM writes
  // Write responses of this channel.
  input  wire                      b_valid,
  input  wire                      b_err
);
  localparam int DBW     = DATA_BYTES * 8;
  localparam int NBW     = $clog2(DATA_BYTES) + 1;
  localparam int AW      = (DESC_DEPTH > 1) ? $clog2(DESC_DEPTH) : 1;
  localparam int CNT_W   = $clog2(DESC_DEPTH + 1);
  // Descriptor memory entry: {check code, from_device, length[24:0], vram[39:0], host[63:0]}.
  localparam int ENTRY_W = 3 + 1 + 25 + 40 + 64;
  localparam int RDQ_W   = 2 + 40 + 13;
  localparam int BQ_W    = 1 + 13;
  localparam int RDQ_C   = $clog2(MAX_READS + 1);
  localparam int BQ_C    = $clog2(MAX_WRITES + 1);

  if (DATA_BYTES != 4 && DATA_BYTES != 8 && DATA_BYTES != 16 && DATA_BYTES != 32) begin : g_bad_db
    $error("dma_channel: DATA_BYTES must be 4, 8, 16 or 32");
  end
  if (MAX_READS < 1 || MAX_WRITES < 1) begin : g_bad_outstanding
    $error("dma_channel: MAX_READS and MAX_WRITES must be >= 1");
  end
  if (DESC_DEPTH < 1 || DESC_DEPTH > MAX_DESCRIPTORS) begin : g_bad_depth
    $error("dma_channel: DESC_DEPTH must be 1..4096");
  end

  typedef enum logic [3:0] {
    S_IDLE,        // waiting for a doorbell
    S_START,       // DESC_COUNT and descriptor address checks
    S_FETCH,       // issuing the descriptor array's read bursts
    S_FETCH_WAIT,  // waiting for the last descriptor bytes
    S_DESC_RD,     // reading descriptor didx from the descriptor memory
    S_DESC_CHK,    // its check code; waits here for a change of direction to drain
    S_ISSUE,       // issuing its bursts
    S_DRAIN,       // waiting for every outstanding read beat and write response
    S_DONE,        // report to dma_csr
    S_MSI_REQ,     // issuing the MSI write
    S_MSI_WAIT     // waiting for its write response
  } state_t;

  state_t           state_reg, state_next;
  logic [63:0]      base_reg, base_next;
  logic [31:0]      count_reg, count_next;
  logic [63:0]      fetch_addr_reg, fetch_addr_next;
  logic [17:0]      fetch_rem_reg, fetch_rem_next;
  logic [CNT_W-1:0] didx_reg, didx_next;
  logic [63:0]      cur_host_reg, cur_host_next;
  logic [39:0]      cur_vram_reg, cur_vram_next;
  logic [24:0]      cur_rem_reg, cur_rem_next;
  logic             cur_dir_reg, cur_dir_next;     // 1 = from device (host writes)
  logic [2:0]       chk_err_reg, chk_err_next;
  logic [2:0]       resp_err_reg, resp_err_next;
  // Descriptor assembly: abuf holds afill bytes of the next descriptor.
  logic [255:0]     abuf_reg, abuf_next;
  logic [4:0]       afill_reg, afill_next;
  logic [CNT_W-1:0] awidx_reg, awidx_next;

  logic [ENTRY_W-1:0] dmem [DESC_DEPTH];
  logic [ENTRY_W-1:0] dmem_q_reg;
  logic               dmem_we;
  logic [ENTRY_W-1:0] dmem_wdata;

  // Queues of outstanding bursts.
  logic             rdq_in_ready, bq_in_ready, bq_valid, bq_pop;
  logic [RDQ_W-1:0] rdq_out;
  logic [BQ_W-1:0]  bq_out;
  logic             req_fire;
  logic [RDQ_C-1:0] rdq_count;
  logic [BQ_C-1:0]  bq_count;
  // Orphans: queue entries (the oldest ones) of aborted runs, dropped as their responses come.
  logic [RDQ_C-1:0] rd_orph_reg, rd_orph_next;
  logic [BQ_C-1:0]  b_orph_reg, b_orph_next;
  wire              rd_orph = rd_orph_reg != '0;  // the oldest outstanding read is an orphan
  wire              b_orph  = b_orph_reg != '0;   // the oldest outstanding write is an orphan
  // Responses that belong to this run.
  wire              rbeat_mine = rbeat_valid && !rd_orph;
  wire              b_mine     = b_valid && !b_orph;

  // Decoded descriptor at the memory output.
  wire [2:0]  q_code = dmem_q_reg[ENTRY_W-1 -: 3];
  wire        q_dir  = dmem_q_reg[129];
  wire [24:0] q_len  = dmem_q_reg[104 +: 25];
  wire [39:0] q_vram = dmem_q_reg[64 +: 40];
  wire [63:0] q_host = dmem_q_reg[63:0];

  // Check of one descriptor, in the TLM engine's order: BAD_DESC, VRAM_RANGE, ADDRESS.
  function automatic logic [ENTRY_W-1:0] decode(input logic [255:0] d, input logic addr64,
                                                 input logic [40:0] vram_bytes);
    logic [63:0] host, vram, reserved;
    logic [31:0] len, control;
    logic [41:0] vram_end;
    logic [64:0] host_end;
    logic [2:0]  code;
    host     = d[63:0];
    vram     = d[127:64];
    len      = d[159:128];
    control  = d[191:160];
    reserved = d[255:192];
    vram_end = {1'b0, vram[40:0]} + {17'd0, len[24:0]};
    host_end = {1'b0, host} + {40'd0, len[24:0]};
    if (len == 32'd0 || len > 32'(DESC_MAX_LENGTH) || reserved != 64'd0 || control[31:1] != 31'd0)
      code = ERR_BAD_DESC;
    else if (vram[63:41] != 23'd0 || vram_end > {1'b0, vram_bytes})
      code = ERR_VRAM_RANGE;
    else if (!addr64 && host_end > 65'h1_0000_0000)
      code = ERR_ADDRESS;
    else
      code = ERR_NONE;
    decode = {code, control[0], len[24:0], vram[39:0], host};
  endfunction

  function automatic logic [DBW-1:0] lane_mask(input logic [NBW-1:0] nbytes);
    for (int i = 0; i < DATA_BYTES; i++) lane_mask[i*8 +: 8] = (NBW'(i) < nbytes) ? 8'hFF : 8'h00;
  endfunction

  // Descriptor bytes arriving: append to abuf; a full 32 bytes goes to the descriptor memory.
  logic [255+DBW:0] acat;
  logic [5:0]       atotal;
  wire  asm_valid = rbeat_mine && rdq_kind == KIND_DESC && !rbeat_err && resp_err_reg == ERR_NONE;

  always_comb begin
    acat   = {{DBW{1'b0}}, abuf_reg}
           | ({256'd0, rbeat_data & lane_mask(rbeat_nbytes)} << {afill_reg, 3'b000});
    atotal = {1'b0, afill_reg} + 6'(rbeat_nbytes);
  end

  // Request of the current state (depends on registers only, never on req_ready).
  always_comb begin
    req_valid = 1'b0;
    req_write = 1'b0;
    req_kind  = KIND_DATA;
    req_addr  = cur_host_reg;
    req_len   = burst_len(cur_host_reg[11:0], cur_rem_reg);
    req_vaddr = cur_vram_reg;
    case (state_reg)
      S_FETCH: begin
        req_valid = fetch_rem_reg != '0 && rdq_in_ready && resp_err_reg == ERR_NONE;
        req_kind  = KIND_DESC;
        req_addr  = fetch_addr_reg;
        req_len   = burst_len(fetch_addr_reg[11:0], {7'd0, fetch_rem_reg});
        req_vaddr = '0;
      end
      S_ISSUE: begin
        req_valid = (cur_dir_reg ? bq_in_ready : rdq_in_ready) && resp_err_reg == ERR_NONE;
        req_write = cur_dir_reg;
      end
      S_MSI_REQ: begin
        req_valid = bq_in_ready;
        req_write = 1'b1;
        req_kind  = KIND_MSI;
        req_addr  = msi_addr;
        req_len   = 13'd4;
        req_vaddr = {8'd0, msi_data};
      end
      default: ;
    endcase
  end

  assign req_fire = req_valid && req_ready;

  always_comb begin
    state_next      = state_reg;
    base_next       = base_reg;
    count_next      = count_reg;
    fetch_addr_next = fetch_addr_reg;
    fetch_rem_next  = fetch_rem_reg;
    didx_next       = didx_reg;
    cur_host_next   = cur_host_reg;
    cur_vram_next   = cur_vram_reg;
    cur_rem_next    = cur_rem_reg;
    cur_dir_next    = cur_dir_reg;
    chk_err_next    = chk_err_reg;
    resp_err_next   = resp_err_reg;
    abuf_next       = abuf_reg;
    afill_next      = afill_reg;
    awidx_next      = awidx_reg;
    dmem_we         = 1'b0;
    dmem_wdata      = decode(acat[255:0], cfg_addr64, cfg_vram_bytes);
    start_ready     = 1'b0;
    done_valid      = 1'b0;
    done_err        = (resp_err_reg != ERR_NONE) ? resp_err_reg : chk_err_reg;
    bytes_add       = '0;
    bq_pop          = b_valid;
    rd_orph_next    = rd_orph_reg - RDQ_C'(rdq_pop && rd_orph);
    b_orph_next     = b_orph_reg - BQ_C'(bq_pop && b_orph);

    // Responses: the first error of the run is kept; bytes of error-free bursts before it count.
    // Those of an aborted run's bursts (orphans) count for nothing.
    if (rbeat_mine && rbeat_err && resp_err_reg == ERR_NONE)
      resp_err_next = (rdq_kind == KIND_DESC) ? ERR_DESC_FETCH : ERR_HOST_READ;
    else if (b_mine && !bq_out[13] && b_err && resp_err_reg == ERR_NONE)
      resp_err_next = ERR_HOST_WRITE;
    if (rbeat_mine && rbeat_last && !rbeat_err && rdq_kind == KIND_DATA && resp_err_reg == ERR_NONE)
      bytes_add = bytes_add + {1'b0, rdq_len};
    if (b_mine && !bq_out[13] && !b_err && resp_err_reg == ERR_NONE)
      bytes_add = bytes_add + {1'b0, bq_out[12:0]};

    if (asm_valid) begin
      if (atotal >= 6'd32) begin
        dmem_we    = 1'b1;
        awidx_next = awidx_reg + 1'b1;
        abuf_next  = 256'(acat >> 256);
        afill_next = 5'(atotal - 6'd32);
      end else begin
        abuf_next  = acat[255:0];
        afill_next = atotal[4:0];
      end
    end

    case (state_reg)
      S_IDLE: begin
        start_ready = 1'b1;
        if (start_valid) begin
          base_next     = desc_base;
          count_next    = desc_count;
          chk_err_next  = ERR_NONE;
          resp_err_next = ERR_NONE;
          state_next    = S_START;
        end
      end
      S_START: begin
        fetch_addr_next = base_reg;
        fetch_rem_next  = 18'(count_reg[12:0] * 13'(DESC_BYTES));
        abuf_next       = '0;
        afill_next      = '0;
        awidx_next      = '0;
        if (count_reg == 32'd0 || count_reg > 32'(MAX_DESCRIPTORS) || count_reg > 32'(DESC_DEPTH)) begin
          chk_err_next = ERR_BAD_DESC;
          state_next   = S_DRAIN;
        end else if (!cfg_addr64 && (base_reg[63:32] != 32'd0 ||
                     {2'b00, base_reg[31:0]} + {16'd0, count_reg[12:0], 5'd0} > 34'h1_0000_0000)) begin
          chk_err_next = ERR_ADDRESS;
          state_next   = S_DRAIN;
        end else begin
          state_next = S_FETCH;
        end
      end
      S_FETCH: begin
        if (req_fire) begin
          fetch_addr_next = fetch_addr_reg + 64'(req_len);
          fetch_rem_next  = fetch_rem_reg - 18'(req_len);
          if (fetch_rem_reg == 18'(req_len)) state_next = S_FETCH_WAIT;
        end else if (resp_err_reg != ERR_NONE) begin
          state_next = S_DRAIN;
        end
      end
      S_FETCH_WAIT: begin
        if (!rdq_valid) begin
          didx_next  = '0;
          state_next = (resp_err_reg != ERR_NONE) ? S_DRAIN : S_DESC_RD;
        end
      end
      S_DESC_RD: state_next = S_DESC_CHK;
      S_DESC_CHK: begin
        if (resp_err_reg != ERR_NONE) begin
          state_next = S_DRAIN;
        end else if (q_code != ERR_NONE) begin
          chk_err_next = q_code;
          state_next   = S_DRAIN;
        end else if (q_dir == cur_dir_reg || (!rdq_valid && !bq_valid)) begin
          cur_host_next = q_host;
          cur_vram_next = q_vram;
          cur_rem_next  = q_len;
          cur_dir_next  = q_dir;
          state_next    = S_ISSUE;
        end
      end
      S_ISSUE: begin
        if (req_fire) begin
          cur_host_next = cur_host_reg + 64'(req_len);
          cur_vram_next = cur_vram_reg + 40'(req_len);
          cur_rem_next  = cur_rem_reg - 25'(req_len);
          if (cur_rem_reg == 25'(req_len)) begin
            didx_next  = didx_reg + 1'b1;
            state_next = (32'(didx_reg) + 32'd1 == count_reg) ? S_DRAIN : S_DESC_RD;
          end
        end else if (resp_err_reg != ERR_NONE) begin
          state_next = S_DRAIN;
        end
      end
      S_DRAIN: if (!rdq_valid && !bq_valid) state_next = S_DONE;
      S_DONE: begin
        done_valid = 1'b1;
        state_next = irq_en ? S_MSI_REQ : S_IDLE;
      end
      S_MSI_REQ: if (req_fire) state_next = S_MSI_WAIT;
      S_MSI_WAIT: if (!bq_valid) state_next = S_IDLE;
      default: state_next = S_IDLE;
    endcase

    // DMA_CTRL.ABORT: idle at once, no completion; every burst still queued (including one
    // pushed in this cycle) is an orphan.
    if (abort_run) begin
      state_next   = S_IDLE;
      done_valid   = 1'b0;
      rd_orph_next = rdq_count + RDQ_C'(req_fire && !req_write) - RDQ_C'(rdq_pop);
      b_orph_next  = bq_count + BQ_C'(req_fire && req_write) - BQ_C'(bq_pop);
    end
  end

  always_ff @(posedge clk) begin
    state_reg      <= state_next;
    base_reg       <= base_next;
    count_reg      <= count_next;
    fetch_addr_reg <= fetch_addr_next;
    fetch_rem_reg  <= fetch_rem_next;
    didx_reg       <= didx_next;
    cur_host_reg   <= cur_host_next;
    cur_vram_reg   <= cur_vram_next;
    cur_rem_reg    <= cur_rem_next;
    cur_dir_reg    <= cur_dir_next;
    chk_err_reg    <= chk_err_next;
    resp_err_reg   <= resp_err_next;
    abuf_reg       <= abuf_next;
    afill_reg      <= afill_next;
    awidx_reg      <= awidx_next;
    rd_orph_reg    <= rd_orph_next;
    b_orph_reg     <= b_orph_next;
    if (dmem_we) dmem[awidx_reg[AW-1:0]] <= dmem_wdata;
    dmem_q_reg <= dmem[didx_reg[AW-1:0]];
    if (rst) begin
      state_reg    <= S_IDLE;
      cur_dir_reg  <= 1'b0;
      chk_err_reg  <= ERR_NONE;
      resp_err_reg <= ERR_NONE;
      rd_orph_reg  <= '0;
      b_orph_reg   <= '0;
    end
  end

  dma_fifo #(.WIDTH(RDQ_W), .DEPTH(MAX_READS)) u_rdq (
    .clk, .rst,
    .in_valid (req_fire && !req_write),
    .in_ready (rdq_in_ready),
    .in_data  ({req_kind, req_vaddr, req_len}),
    .out_valid(rdq_valid),
    .out_ready(rdq_pop),
    .out_data (rdq_out),
    .count    (rdq_count)
  );

  dma_fifo #(.WIDTH(BQ_W), .DEPTH(MAX_WRITES)) u_bq (
    .clk, .rst,
    .in_valid (req_fire && req_write),
    .in_ready (bq_in_ready),
    .in_data  ({req_kind == KIND_MSI, req_len}),
    .out_valid(bq_valid),
    .out_ready(bq_pop),
    .out_data (bq_out),
    .count    (bq_count)
  );

  always_comb begin
    rdq_kind  = kind_t'(rdq_out[54:53]);
    rdq_vaddr = rdq_out[52:13];
    rdq_len   = rdq_out[12:0];
    suppress  = resp_err_reg != ERR_NONE || rd_orph;
    active    = state_reg != S_IDLE;
    draining  = rd_orph || b_orph;
  end

`ifndef SYNTHESIS
  // Responses only for bursts this channel has outstanding.
  a_rbeat_expected: assert property (@(posedge clk) disable iff (rst) rbeat_valid |-> rdq_valid)
    else $error("dma_channel: read beat with no read outstanding");
  a_b_expected: assert property (@(posedge clk) disable iff (rst) b_valid |-> bq_valid)
    else $error("dma_channel: write response with no write outstanding");
  a_rdq_pop_last: assert property (@(posedge clk) disable iff (rst) rdq_pop |-> rbeat_valid && rbeat_last)
    else $error("dma_channel: read queue popped without a last beat");
  // Every request is 1..4096 bytes and stays inside one 4 KiB page.
  a_req_len: assert property (@(posedge clk) disable iff (rst)
      req_valid |-> req_len != 13'd0 && req_len <= 13'd4096 &&
                    {1'b0, req_addr[11:0]} + req_len <= 13'd4096)
    else $error("dma_channel: request length %0d at %h breaks the 4 KiB rule", req_len, req_addr);
  // In 32-bit mode no request reaches at or above 4 GiB (the MSI address is the platform's).
  a_req_addr32: assert property (@(posedge clk) disable iff (rst)
      req_valid && !cfg_addr64 && req_kind != KIND_MSI |-> {1'b0, req_addr} + 65'(req_len) <= 65'h1_0000_0000)
    else $error("dma_channel: 32-bit mode request above 4 GiB at %h", req_addr);
  // The descriptor memory never overflows and is full when the fetch ends without error.
  // ABORT comes only during a run (BUSY: not idle, not in the MSI states) and leaves it idle.
  a_abort_in_run: assert property (@(posedge clk) disable iff (rst)
      abort_run |-> state_reg != S_IDLE && state_reg != S_MSI_REQ && state_reg != S_MSI_WAIT)
    else $error("dma_channel: ABORT in state %0d", state_reg);
  a_abort_idle: assert property (@(posedge clk) disable iff (rst) abort_run |=> state_reg == S_IDLE)
    else $error("dma_channel: not idle after ABORT");
  // Orphans are the oldest queue entries: never more of them than entries.
  a_rd_orph_bound: assert property (@(posedge clk) disable iff (rst) rd_orph_reg <= rdq_count)
    else $error("dma_channel: %0d read orphans, %0d reads queued", rd_orph_reg, rdq_count);
  a_b_orph_bound: assert property (@(posedge clk) disable iff (rst) b_orph_reg <= bq_count)
    else $error("dma_channel: %0d write orphans, %0d writes queued", b_orph_reg, bq_count);
  // An orphan's responses touch nothing of the run: no VRAM write, no descriptor, no BYTES.
  a_orph_no_vram: assert property (@(posedge clk) disable iff (rst) rd_orph |-> suppress)
    else $error("dma_channel: an aborted run's read beat may write VRAM");
  a_orph_no_asm: assert property (@(posedge clk) disable iff (rst) rd_orph |-> !asm_valid && !dmem_we)
    else $error("dma_channel: an aborted run's read beat reached the descriptor memory");
  a_orph_no_bytes: assert property (@(posedge clk) disable iff (rst)
      !rbeat_mine && !b_mine |-> bytes_add == '0)
    else $error("dma_channel: an aborted run's response counted in BYTES");
  // An MSI is never an orphan (ABORT does not reach the MSI states).
  a_orph_no_msi: assert property (@(posedge clk) disable iff (rst) b_valid && b_orph |-> !bq_out[13])
    else $error("dma_channel: an MSI write counted as an orphan");
  a_desc_overflow: assert property (@(posedge clk) disable iff (rst) dmem_we |-> 32'(awidx_reg) < count_reg)
    else $error("dma_channel: more descriptors than DESC_COUNT");
  a_desc_complete: assert property (@(posedge clk) disable iff (rst)
      state_reg == S_FETCH_WAIT && !rdq_valid && resp_err_reg == ERR_NONE |-> 32'(awidx_reg) == count_reg && afill_reg == '0)
    else $error("dma_channel: descriptor fetch ended with %0d of %0d descriptors", awidx_reg, count_reg);
`endif

endmodule

`default_nettype wire
