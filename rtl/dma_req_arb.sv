// Round-robin arbiter of the channels' bus-master requests onto the shared request channel.
// The output is a register stage: bm_req_* stay stable while bm_req_valid && !bm_req_ready,
// and a new request loads in the cycle the previous one is accepted (one request per cycle).
// A write request is accepted only when the write-order queue of dma_wr_mover has room for it
// (counting the one waiting in the output register); on acceptance it is pushed there, so write
// data follows request acceptance order, one burst at a time.
`default_nettype none

module dma_req_arb
  import dma_pkg::*;
#(
  parameter int CHANNELS = 2,  // request sources (1..8)
  parameter int WQ_DEPTH = 8   // entries of dma_wr_mover's write-order queue
) (
  input  wire                                  clk,
  input  wire                                  rst,
  // Channel requests.
  input  wire  [CHANNELS-1:0]                  req_valid,
  output logic [CHANNELS-1:0]                  req_ready,
  input  wire  [CHANNELS-1:0]                  req_write,
  input  kind_t [CHANNELS-1:0]                 req_kind,
  input  wire  [CHANNELS-1:0][63:0]            req_addr,
  input  wire  [CHANNELS-1:0][12:0]            req_len,
  input  wire  [CHANNELS-1:0][39:0]            req_vaddr,
  // Bus-master request channel.
  output logic                                 bm_req_valid,
  input  wire                                  bm_req_ready,
  output logic                                 bm_req_write,
  output logic [((CHANNELS > 1) ? $clog2(CHANNELS) : 1)-1:0] bm_req_id,
  output logic [63:0]                          bm_req_addr,
  output logic [12:0]                          bm_req_len,
  // Write-order queue of dma_wr_mover: {is MSI, VRAM address or MSI data, length}.
  input  wire  [$clog2(WQ_DEPTH+1)-1:0]        wq_count,
  output logic                                 wq_push,
  output logic [1+40+13-1:0]                   wq_data
);
  localparam int IDW = (CHANNELS > 1) ? $clog2(CHANNELS) : 1;
  localparam int WQC = $clog2(WQ_DEPTH + 1);

  if (CHANNELS < 1 || CHANNELS > 8) begin : g_bad_channels
    $error("dma_req_arb: CHANNELS must be 1..8");
  end
  if (WQ_DEPTH < 2) begin : g_bad_wq
    $error("dma_req_arb: WQ_DEPTH must be >= 2");
  end

  logic           valid_reg, valid_next;
  logic           write_reg, write_next;
  logic [IDW-1:0] id_reg, id_next;
  logic [63:0]    addr_reg, addr_next;
  logic [12:0]    len_reg, len_next;
  logic           msi_reg, msi_next;
  logic [39:0]    vaddr_reg, vaddr_next;
  logic [IDW-1:0] last_reg, last_next;  // channel granted last

  logic                load;
  logic                wq_room;
  logic [CHANNELS-1:0] eligible;
  logic                found;
  logic [IDW-1:0]      grant;
  logic [IDW:0]        rr_idx;

  always_comb begin
    load    = !valid_reg || bm_req_ready;
    // Room in the write-order queue for one more write besides the one in the output register.
    wq_room = WQC'(wq_count) + WQC'(valid_reg && write_reg) < WQC'(WQ_DEPTH);
    for (int c = 0; c < CHANNELS; c++) eligible[c] = req_valid[c] && (!req_write[c] || wq_room);

    // Round robin: first eligible channel after the last one granted.
    found = 1'b0;
    grant = last_reg;
    for (int i = 1; i <= CHANNELS; i++) begin
      rr_idx = {1'b0, last_reg} + (IDW + 1)'(i);
      if (rr_idx >= (IDW + 1)'(CHANNELS)) rr_idx = rr_idx - (IDW + 1)'(CHANNELS);
      if (!found && eligible[rr_idx[IDW-1:0]]) begin
        found = 1'b1;
        grant = rr_idx[IDW-1:0];
      end
    end

    valid_next = valid_reg && !bm_req_ready;
    write_next = write_reg;
    id_next    = id_reg;
    addr_next  = addr_reg;
    len_next   = len_reg;
    msi_next   = msi_reg;
    vaddr_next = vaddr_reg;
    last_next  = last_reg;
    req_ready  = '0;
    if (load && found) begin
      req_ready[grant] = 1'b1;
      valid_next = 1'b1;
      write_next = req_write[grant];
      id_next    = grant;
      addr_next  = req_addr[grant];
      len_next   = req_len[grant];
      msi_next   = req_kind[grant] == KIND_MSI;
      vaddr_next = req_vaddr[grant];
      last_next  = grant;
    end

    bm_req_valid = valid_reg;
    bm_req_write = write_reg;
    bm_req_id    = id_reg;
    bm_req_addr  = addr_reg;
    bm_req_len   = len_reg;
    wq_push      = valid_reg && bm_req_ready && write_reg;
    wq_data      = {msi_reg, vaddr_reg, len_reg};
  end

  always_ff @(posedge clk) begin
    valid_reg <= valid_next;
    write_reg <= write_next;
    id_reg    <= id_next;
    addr_reg  <= addr_next;
    len_reg   <= len_next;
    msi_reg   <= msi_next;
    vaddr_reg <= vaddr_next;
    last_reg  <= last_next;
    if (rst) begin
      valid_reg <= 1'b0;
      last_reg  <= '0;
    end
  end

`ifndef SYNTHESIS
  // Handshake rule: nothing changes while a request waits for bm_req_ready.
  a_bm_req_stable: assert property (@(posedge clk) disable iff (rst)
      bm_req_valid && !bm_req_ready |=> bm_req_valid && $stable(bm_req_write) && $stable(bm_req_id) &&
                                         $stable(bm_req_addr) && $stable(bm_req_len))
    else $error("dma_req_arb: request changed while waiting for bm_req_ready");
  // 1..4096 bytes, never across a 4 KiB boundary.
  a_bm_req_len: assert property (@(posedge clk) disable iff (rst)
      bm_req_valid |-> bm_req_len != 13'd0 && bm_req_len <= 13'd4096 &&
                       {1'b0, bm_req_addr[11:0]} + bm_req_len <= 13'd4096)
    else $error("dma_req_arb: bm_req_len %0d at %h breaks the 4 KiB rule", bm_req_len, bm_req_addr);
  a_grant_onehot: assert property (@(posedge clk) disable iff (rst) $onehot0(req_ready))
    else $error("dma_req_arb: more than one channel granted");
  a_bm_req_id: assert property (@(posedge clk) disable iff (rst) bm_req_valid |-> int'(bm_req_id) < CHANNELS)
    else $error("dma_req_arb: bm_req_id out of range");
`endif

endmodule

`default_nettype wire
