// Write-data mover: for each accepted write request, in acceptance order (write-order queue),
// produces its beats on bm_w: VRAM is read one beat per cycle (registered vram_re, data the
// cycle after) into a small output queue; the MSI's single beat carries DMA_MSI_DATA instead.
// One burst at a time, so beats of different bursts never interleave. The VRAM read issues
// only while the output queue has room for everything in flight, so bm_w_ready back-pressure
// never loses data and a ready responder gets one beat per cycle, also across bursts.
`default_nettype none

module dma_wr_mover #(
  parameter int DATA_BYTES = 32,  // data-path bytes per beat (4, 8, 16 or 32)
  parameter int WQ_DEPTH   = 8    // write-order queue entries (write requests awaiting data)
) (
  input  wire                              clk,
  input  wire                              rst,
  // Write-order queue input: {is MSI, VRAM address (MSI: data in [31:0]), length}.
  input  wire                              wq_push,
  input  wire  [1+40+13-1:0]               wq_data,
  output logic [$clog2(WQ_DEPTH+1)-1:0]    wq_count,
  // VRAM read port.
  output logic                             vram_re,
  output logic [39:0]                      vram_raddr,
  output logic [$clog2(DATA_BYTES):0]      vram_rlen,
  input  wire  [DATA_BYTES*8-1:0]          vram_rdata,
  // Bus-master write data.
  output logic                             bm_w_valid,
  input  wire                              bm_w_ready,
  output logic [DATA_BYTES*8-1:0]          bm_w_data,
  output logic                             bm_w_last
);
  localparam int DBW     = DATA_BYTES * 8;
  localparam int NBW     = $clog2(DATA_BYTES) + 1;
  localparam int OQ_DEPTH = 4;  // output queue: covers the 2-cycle VRAM read loop plus one
  localparam int OQC     = $clog2(OQ_DEPTH + 1);

  if (DATA_BYTES < 4) begin : g_bad_db
    $error("dma_wr_mover: DATA_BYTES must be >= 4 (the MSI is one beat)");
  end

  logic            wq_valid, wq_pop;
  logic [53:0]     wq_head;
  logic [OQC-1:0]  oq_count;
  logic            oq_in_ready;

  // Current burst.
  logic            cur_valid_reg, cur_valid_next;
  logic            cur_msi_reg, cur_msi_next;
  logic [39:0]     cur_addr_reg, cur_addr_next;
  logic [12:0]     cur_rem_reg, cur_rem_next;
  // Stage A: VRAM read issued (outputs); stage B: VRAM data present.
  logic            a_valid_reg, a_valid_next, b_valid_reg;
  logic            a_re_reg, a_re_next;
  logic [39:0]     a_addr_reg, a_addr_next;
  logic [NBW-1:0]  a_len_reg, a_len_next, b_len_reg;
  logic            a_last_reg, a_last_next, b_last_reg;
  logic            a_msi_reg, a_msi_next, b_msi_reg;
  logic [31:0]     a_msi_data_reg, a_msi_data_next, b_msi_data_reg;

  logic            issue;
  logic            beat_last;
  logic [NBW-1:0]  beat_len;
  logic [DBW-1:0]  b_data;

  function automatic logic [DBW-1:0] lane_mask(input logic [NBW-1:0] nbytes);
    for (int i = 0; i < DATA_BYTES; i++) lane_mask[i*8 +: 8] = (NBW'(i) < nbytes) ? 8'hFF : 8'h00;
  endfunction

  always_comb begin
    beat_last = cur_rem_reg <= 13'(DATA_BYTES);
    beat_len  = beat_last ? NBW'(cur_rem_reg) : NBW'(DATA_BYTES);
    issue     = cur_valid_reg &&
                (OQC'(oq_count) + OQC'(a_valid_reg) + OQC'(b_valid_reg) < OQC'(OQ_DEPTH));

    cur_valid_next  = cur_valid_reg;
    cur_msi_next    = cur_msi_reg;
    cur_addr_next   = cur_addr_reg;
    cur_rem_next    = cur_rem_reg;
    wq_pop          = 1'b0;
    a_valid_next    = issue;
    a_re_next       = issue && !cur_msi_reg;
    a_addr_next     = cur_addr_reg;
    a_len_next      = beat_len;
    a_last_next     = beat_last;
    a_msi_next      = cur_msi_reg;
    a_msi_data_next = cur_addr_reg[31:0];

    if (issue) begin
      cur_addr_next = cur_addr_reg + 40'(DATA_BYTES);
      cur_rem_next  = cur_rem_reg - 13'(beat_len);
    end
    // Load the next burst when idle or in the cycle the current one issues its last beat.
    if ((!cur_valid_reg || (issue && beat_last))) begin
      wq_pop         = wq_valid;
      cur_valid_next = wq_valid;
      cur_msi_next   = wq_head[53];
      cur_addr_next  = wq_head[52:13];
      cur_rem_next   = wq_head[12:0];
    end

    b_data = b_msi_reg ? {{(DBW - 32){1'b0}}, b_msi_data_reg} : vram_rdata & lane_mask(b_len_reg);

    vram_re    = a_re_reg;
    vram_raddr = a_addr_reg;
    vram_rlen  = a_len_reg;
  end

  always_ff @(posedge clk) begin
    cur_valid_reg  <= cur_valid_next;
    cur_msi_reg    <= cur_msi_next;
    cur_addr_reg   <= cur_addr_next;
    cur_rem_reg    <= cur_rem_next;
    a_valid_reg    <= a_valid_next;
    a_re_reg       <= a_re_next;
    a_addr_reg     <= a_addr_next;
    a_len_reg      <= a_len_next;
    a_last_reg     <= a_last_next;
    a_msi_reg      <= a_msi_next;
    a_msi_data_reg <= a_msi_data_next;
    b_valid_reg    <= a_valid_reg;
    b_len_reg      <= a_len_reg;
    b_last_reg     <= a_last_reg;
    b_msi_reg      <= a_msi_reg;
    b_msi_data_reg <= a_msi_data_reg;
    if (rst) begin
      cur_valid_reg <= 1'b0;
      a_valid_reg   <= 1'b0;
      a_re_reg      <= 1'b0;
      b_valid_reg   <= 1'b0;
    end
  end

  dma_fifo #(.WIDTH(54), .DEPTH(WQ_DEPTH)) u_wq (
    .clk, .rst,
    .in_valid (wq_push),
    // dma_req_arb pushes only with room (credit on wq_count); dma_fifo asserts it.
    /* verilator lint_off PINCONNECTEMPTY */
    .in_ready (),
    /* verilator lint_on PINCONNECTEMPTY */
    .in_data  (wq_data),
    .out_valid(wq_valid),
    .out_ready(wq_pop),
    .out_data (wq_head),
    .count    (wq_count)
  );

  dma_fifo #(.WIDTH(DBW + 1), .DEPTH(OQ_DEPTH)) u_oq (
    .clk, .rst,
    .in_valid (b_valid_reg),
    .in_ready (oq_in_ready),
    .in_data  ({b_last_reg, b_data}),
    .out_valid(bm_w_valid),
    .out_ready(bm_w_ready),
    .out_data ({bm_w_last, bm_w_data}),
    .count    (oq_count)
  );

`ifndef SYNTHESIS
  a_oq_room: assert property (@(posedge clk) disable iff (rst) b_valid_reg |-> oq_in_ready)
    else $error("dma_wr_mover: output queue overflow");
  // Handshake rule: a write beat stays put while it waits for bm_w_ready.
  a_bm_w_stable: assert property (@(posedge clk) disable iff (rst)
      bm_w_valid && !bm_w_ready |=> bm_w_valid && $stable(bm_w_data) && $stable(bm_w_last))
    else $error("dma_wr_mover: write beat changed while waiting for bm_w_ready");
  a_vram_rlen: assert property (@(posedge clk) disable iff (rst)
      vram_re |-> vram_rlen != '0 && vram_rlen <= NBW'(DATA_BYTES))
    else $error("dma_wr_mover: vram_rlen %0d", vram_rlen);
  a_burst_len: assert property (@(posedge clk) disable iff (rst)
      wq_pop |-> wq_head[12:0] != 13'd0 && wq_head[12:0] <= 13'd4096)
    else $error("dma_wr_mover: write burst of %0d bytes", wq_head[12:0]);
`endif

endmodule

`default_nettype wire
