// Bus-master DMA engine, the RTL twin of the TLM engine (models/dma_engine.cpp) with the register
// map and descriptor format of models/dma_regs.h. The top-level ports are the contract of
// rtl/README.md. Structure (valid/ready between the blocks):
//   dma_csr        register file, doorbell/RESET/W1C, status, BYTES, MSI address/data, irq
//   dma_channel    per channel: run sequence, descriptor fetch + memory + checks, burst issue,
//                  outstanding read/write bookkeeping, error handling, MSI request
//   dma_req_arb    round-robin onto bm_req_*, registered, write-order bookkeeping
//   dma_rd_mover   bm_r_* beats -> VRAM writes or descriptor assembly
//   dma_wr_mover   VRAM reads (or the MSI data) -> bm_w_* beats, in request order
//   dma_fifo       the queues
`default_nettype none

module dma_engine #(
  parameter int DATA_BYTES = 32,   // data-path width in bytes per beat (4, 8, 16 or 32)
  parameter int CHANNELS   = 2,    // DMA channels (1..8; BAR0 has 0x100 bytes per channel)
  parameter int MAX_READS  = 32,   // outstanding host read bursts per channel (>= 1)
  parameter int DESC_DEPTH = 4096  // descriptors held per run (1..4096; more is DMA_ERR_BAD_DESC)
) (
  input  wire                         clk,
  input  wire                         rst,             // synchronous, active high
  input  wire                         cfg_addr64,      // 1: 64-bit host addresses, 0: 32-bit
  input  wire  [40:0]                 cfg_vram_bytes,  // VRAM size in bytes
  // Register port (BAR0).
  input  wire                         reg_req,
  input  wire                         reg_we,
  input  wire  [11:0]                 reg_addr,
  input  wire  [31:0]                 reg_wdata,
  output logic                        reg_ack,
  output logic [31:0]                 reg_rdata,
  // Bus master: requests.
  output logic                        bm_req_valid,
  input  wire                         bm_req_ready,
  output logic                        bm_req_write,
  output logic [((CHANNELS > 1) ? $clog2(CHANNELS) : 1)-1:0] bm_req_id,
  output logic [63:0]                 bm_req_addr,
  output logic [12:0]                 bm_req_len,
  // Bus master: write data.
  output logic                        bm_w_valid,
  input  wire                         bm_w_ready,
  output logic [DATA_BYTES*8-1:0]     bm_w_data,
  output logic                        bm_w_last,
  // Bus master: read data.
  input  wire                         bm_r_valid,
  output logic                        bm_r_ready,
  input  wire  [((CHANNELS > 1) ? $clog2(CHANNELS) : 1)-1:0] bm_r_id,
  input  wire  [DATA_BYTES*8-1:0]     bm_r_data,
  input  wire                         bm_r_last,
  input  wire                         bm_r_err,
  // Bus master: write responses.
  input  wire                         bm_b_valid,
  output logic                        bm_b_ready,
  input  wire  [((CHANNELS > 1) ? $clog2(CHANNELS) : 1)-1:0] bm_b_id,
  input  wire                         bm_b_err,
  // VRAM (always ready).
  output logic                        vram_we,
  output logic [39:0]                 vram_waddr,
  output logic [DATA_BYTES*8-1:0]     vram_wdata,
  output logic [$clog2(DATA_BYTES):0] vram_wlen,
  output logic                        vram_re,
  output logic [39:0]                 vram_raddr,
  output logic [$clog2(DATA_BYTES):0] vram_rlen,
  input  wire  [DATA_BYTES*8-1:0]     vram_rdata,
  // Status.
  output logic [CHANNELS-1:0]         busy,
  output logic [CHANNELS-1:0]         draining,        // bursts of an aborted run outstanding
  output logic                        irq
);
  import dma_pkg::*;

  localparam int IDW        = (CHANNELS > 1) ? $clog2(CHANNELS) : 1;
  localparam int NBW        = $clog2(DATA_BYTES) + 1;
  localparam int MAX_WRITES = MAX_READS;  // write bursts awaiting a response, per channel
  localparam int WQ_DEPTH   = 8;          // accepted write bursts awaiting their data

  if (DATA_BYTES != 4 && DATA_BYTES != 8 && DATA_BYTES != 16 && DATA_BYTES != 32) begin : g_bad_db
    $error("dma_engine: DATA_BYTES must be 4, 8, 16 or 32");
  end
  if (CHANNELS < 1 || CHANNELS > 8) begin : g_bad_channels
    $error("dma_engine: CHANNELS must be 1..8");
  end
  if (MAX_READS < 1) begin : g_bad_reads
    $error("dma_engine: MAX_READS must be >= 1");
  end
  if (DESC_DEPTH < 1 || DESC_DEPTH > MAX_DESCRIPTORS) begin : g_bad_depth
    $error("dma_engine: DESC_DEPTH must be 1..4096");
  end

  // dma_csr <-> channels.
  logic [CHANNELS-1:0]       start_valid, start_ready, irq_en, done_valid, pending, active;
  logic [CHANNELS-1:0]       abort_run;
  logic [CHANNELS-1:0][63:0] desc_base;
  logic [CHANNELS-1:0][31:0] desc_count;
  logic [CHANNELS-1:0][2:0]  done_err;
  logic [CHANNELS-1:0][13:0] bytes_add;
  logic [63:0]               msi_addr;
  logic [31:0]               msi_data;
  // channels <-> dma_req_arb.
  logic [CHANNELS-1:0]       req_valid, req_ready, req_write;
  kind_t [CHANNELS-1:0]      req_kind;
  logic [CHANNELS-1:0][63:0] req_addr;
  logic [CHANNELS-1:0][12:0] req_len;
  logic [CHANNELS-1:0][39:0] req_vaddr;
  // channels <-> dma_rd_mover.
  logic [CHANNELS-1:0]       rdq_valid, rdq_pop, suppress, rbeat_valid;
  kind_t [CHANNELS-1:0]      rdq_kind;
  logic [CHANNELS-1:0][39:0] rdq_vaddr;
  logic [CHANNELS-1:0][12:0] rdq_len;
  logic                      rbeat_err, rbeat_last;
  logic [NBW-1:0]            rbeat_nbytes;
  logic [DATA_BYTES*8-1:0]   rbeat_data;
  // dma_req_arb <-> dma_wr_mover.
  logic                      wq_push;
  logic [53:0]               wq_data;
  logic [$clog2(WQ_DEPTH+1)-1:0] wq_count;
  // Write responses per channel.
  logic [CHANNELS-1:0]       b_valid;

  dma_csr #(.CHANNELS(CHANNELS)) u_csr (
    .clk, .rst, .cfg_addr64,
    .reg_req, .reg_we, .reg_addr, .reg_wdata, .reg_ack, .reg_rdata,
    .start_valid, .start_ready, .desc_base, .desc_count, .irq_en,
    .done_valid, .done_err, .bytes_add, .abort_run, .draining, .msi_addr, .msi_data, .pending,
    .irq
  );

  for (genvar c = 0; c < CHANNELS; c++) begin : g_ch
    dma_channel #(
      .DATA_BYTES(DATA_BYTES), .MAX_READS(MAX_READS), .MAX_WRITES(MAX_WRITES),
      .DESC_DEPTH(DESC_DEPTH)
    ) u_ch (
      .clk, .rst, .cfg_addr64, .cfg_vram_bytes,
      .start_valid (start_valid[c]),
      .start_ready (start_ready[c]),
      .desc_base   (desc_base[c]),
      .desc_count  (desc_count[c]),
      .irq_en      (irq_en[c]),
      .msi_addr, .msi_data,
      .done_valid  (done_valid[c]),
      .done_err    (done_err[c]),
      .bytes_add   (bytes_add[c]),
      .active      (active[c]),
      .abort_run   (abort_run[c]),
      .draining    (draining[c]),
      .req_valid   (req_valid[c]),
      .req_ready   (req_ready[c]),
      .req_write   (req_write[c]),
      .req_kind    (req_kind[c]),
      .req_addr    (req_addr[c]),
      .req_len     (req_len[c]),
      .req_vaddr   (req_vaddr[c]),
      .rdq_valid   (rdq_valid[c]),
      .rdq_kind    (rdq_kind[c]),
      .rdq_vaddr   (rdq_vaddr[c]),
      .rdq_len     (rdq_len[c]),
      .rdq_pop     (rdq_pop[c]),
      .rbeat_valid (rbeat_valid[c]),
      .rbeat_err, .rbeat_last, .rbeat_nbytes, .rbeat_data,
      .suppress    (suppress[c]),
      .b_valid     (b_valid[c]),
      .b_err       (bm_b_err)
    );
    assign b_valid[c] = bm_b_valid && bm_b_ready && bm_b_id == IDW'(c);
  end

  dma_req_arb #(.CHANNELS(CHANNELS), .WQ_DEPTH(WQ_DEPTH)) u_arb (
    .clk, .rst,
    .req_valid, .req_ready, .req_write, .req_kind, .req_addr, .req_len, .req_vaddr,
    .bm_req_valid, .bm_req_ready, .bm_req_write, .bm_req_id, .bm_req_addr, .bm_req_len,
    .wq_count, .wq_push, .wq_data
  );

  dma_rd_mover #(.DATA_BYTES(DATA_BYTES), .CHANNELS(CHANNELS)) u_rd (
    .clk, .rst,
    .bm_r_valid, .bm_r_ready, .bm_r_id, .bm_r_data, .bm_r_last, .bm_r_err,
    .rdq_valid, .rdq_kind, .rdq_vaddr, .rdq_len, .rdq_pop, .suppress,
    .rbeat_valid, .rbeat_err, .rbeat_last, .rbeat_nbytes, .rbeat_data,
    .vram_we, .vram_waddr, .vram_wdata, .vram_wlen
  );

  dma_wr_mover #(.DATA_BYTES(DATA_BYTES), .WQ_DEPTH(WQ_DEPTH)) u_wr (
    .clk, .rst,
    .wq_push, .wq_data, .wq_count,
    .vram_re, .vram_raddr, .vram_rlen, .vram_rdata,
    .bm_w_valid, .bm_w_ready, .bm_w_data, .bm_w_last
  );

  always_comb begin
    bm_b_ready = 1'b1;
    busy       = active | pending;
  end

`ifndef SYNTHESIS
  // VRAM addresses are 40 bits: a larger VRAM would let a descriptor past 1 TiB pass the check.
  a_vram_size: assert property (@(posedge clk) disable iff (rst) cfg_vram_bytes <= 41'h100_0000_0000)
    else $error("dma_engine: cfg_vram_bytes above 2^40");
  a_b_id: assert property (@(posedge clk) disable iff (rst) bm_b_valid |-> int'(bm_b_id) < CHANNELS)
    else $error("dma_engine: bm_b_id %0d out of range", bm_b_id);
`endif

endmodule

`default_nettype wire
