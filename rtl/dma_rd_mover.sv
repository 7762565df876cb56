// Read-data mover: takes every bus-master read beat (always ready: VRAM never stalls), matches it
// with the oldest outstanding read burst of its channel (bm_r_id) and
//  - for host data: writes the beat to VRAM at the burst's VRAM address + beat offset
//    (registered VRAM write port, one beat per cycle), unless the beat or an earlier one of the
//    run carried an error;
//  - for the descriptor array: hands the beat to the channel's descriptor assembly.
// Each beat is also reported to its channel (error, last, bytes); the last beat pops the burst.
`default_nettype none

module dma_rd_mover
  import dma_pkg::*;
#(
  parameter int DATA_BYTES = 32,  // data-path bytes per beat (4, 8, 16 or 32)
  parameter int CHANNELS   = 2    // channels (1..8)
) (
  input  wire                                  clk,
  input  wire                                  rst,
  // Bus-master read data.
  input  wire                                  bm_r_valid,
  output logic                                 bm_r_ready,
  input  wire  [((CHANNELS > 1) ? $clog2(CHANNELS) : 1)-1:0] bm_r_id,
  input  wire  [DATA_BYTES*8-1:0]              bm_r_data,
  input  wire                                  bm_r_last,
  input  wire                                  bm_r_err,
  // Oldest outstanding read burst per channel.
  input  wire  [CHANNELS-1:0]                  rdq_valid,
  input  kind_t [CHANNELS-1:0]                 rdq_kind,
  input  wire  [CHANNELS-1:0][39:0]            rdq_vaddr,
  input  wire  [CHANNELS-1:0][12:0]            rdq_len,
  output logic [CHANNELS-1:0]                  rdq_pop,
  input  wire  [CHANNELS-1:0]                  suppress,
  // The beat, per channel.
  output logic [CHANNELS-1:0]                  rbeat_valid,
  output logic                                 rbeat_err,
  output logic                                 rbeat_last,
  output logic [$clog2(DATA_BYTES):0]          rbeat_nbytes,
  output logic [DATA_BYTES*8-1:0]              rbeat_data,
  // VRAM write port.
  output logic                                 vram_we,
  output logic [39:0]                          vram_waddr,
  output logic [DATA_BYTES*8-1:0]              vram_wdata,
  output logic [$clog2(DATA_BYTES):0]          vram_wlen
);
  localparam int NBW = $clog2(DATA_BYTES) + 1;

  if (CHANNELS < 1 || CHANNELS > 8) begin : g_bad_channels
    $error("dma_rd_mover: CHANNELS must be 1..8");
  end

  // Byte offset of the next beat within each channel's current burst.
  logic [CHANNELS-1:0][12:0] off_reg, off_next;
  logic                      we_reg, we_next;
  logic [39:0]               waddr_reg, waddr_next;
  logic [DATA_BYTES*8-1:0]   wdata_reg, wdata_next;
  logic [NBW-1:0]            wlen_reg, wlen_next;

  logic [12:0] left;   // bytes of the burst from this beat on
  logic        last;   // this beat ends the burst (by length)

  always_comb begin
    off_next   = off_reg;
    we_next    = 1'b0;
    waddr_next = waddr_reg;
    wdata_next = wdata_reg;
    wlen_next  = wlen_reg;
    rdq_pop    = '0;
    rbeat_valid = '0;

    left         = rdq_len[bm_r_id] - off_reg[bm_r_id];
    last         = left <= 13'(DATA_BYTES);
    rbeat_nbytes = last ? NBW'(left) : NBW'(DATA_BYTES);
    rbeat_err    = bm_r_err;
    rbeat_last   = last;
    rbeat_data   = bm_r_data;
    bm_r_ready   = 1'b1;

    if (bm_r_valid) begin
      rbeat_valid[bm_r_id] = 1'b1;
      if (last) begin
        rdq_pop[bm_r_id]  = 1'b1;
        off_next[bm_r_id] = '0;
      end else begin
        off_next[bm_r_id] = off_reg[bm_r_id] + 13'(DATA_BYTES);
      end
      if (rdq_kind[bm_r_id] == KIND_DATA) begin
        we_next    = !bm_r_err && !suppress[bm_r_id];
        waddr_next = rdq_vaddr[bm_r_id] + 40'(off_reg[bm_r_id]);
        wdata_next = bm_r_data;
        wlen_next  = rbeat_nbytes;
      end
    end

    vram_we    = we_reg;
    vram_waddr = waddr_reg;
    vram_wdata = wdata_reg;
    vram_wlen  = wlen_reg;
  end

  always_ff @(posedge clk) begin
    off_reg   <= off_next;
    we_reg    <= we_next;
    waddr_reg <= waddr_next;
    wdata_reg <= wdata_next;
    wlen_reg  <= wlen_next;
    if (rst) begin
      off_reg <= '0;
      we_reg  <= 1'b0;
    end
  end

`ifndef SYNTHESIS
  // Input protocol: beats only for a channel with a read outstanding, bm_r_last on the beat
  // that completes the requested length.
  a_r_id: assert property (@(posedge clk) disable iff (rst) bm_r_valid |-> int'(bm_r_id) < CHANNELS)
    else $error("dma_rd_mover: bm_r_id %0d out of range", bm_r_id);
  a_r_expected: assert property (@(posedge clk) disable iff (rst) bm_r_valid |-> rdq_valid[bm_r_id])
    else $error("dma_rd_mover: read beat for channel %0d with no read outstanding", bm_r_id);
  a_r_last: assert property (@(posedge clk) disable iff (rst) bm_r_valid |-> bm_r_last == last)
    else $error("dma_rd_mover: bm_r_last %0d, expected %0d", bm_r_last, last);
  a_vram_wlen: assert property (@(posedge clk) disable iff (rst)
      vram_we |-> vram_wlen != '0 && vram_wlen <= NBW'(DATA_BYTES))
    else $error("dma_rd_mover: vram_wlen %0d", vram_wlen);
`endif

endmodule

`default_nettype wire
