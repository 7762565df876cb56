// Register file of BAR0 (models/dma_regs.h): per-channel CTRL, STATUS, DESC_LO/HI/COUNT,
// DOORBELL, INT_STATUS (W1C), ERROR, BYTES_LO/HI and the global ID, CHANNELS, MSI_ADDR_LO/HI,
// MSI_DATA, CAPS. Register semantics follow the TLM engine (models/dma_engine.cpp):
// - a doorbell while neither BUSY nor already pending latches a start (STATUS reads BUSY from
//   then on); the channel takes it over the start handshake, which clears DONE/ERROR and BYTES;
// - CTRL.RESET (self-clearing) clears STATUS, INT_STATUS and ERROR unless BUSY;
// - CTRL.ABORT (self-clearing) on a BUSY channel clears STATUS at once (BUSY drops, no DONE or
//   ERROR, INT_STATUS and ERROR untouched) and tells the channel to drop its run (abort_run);
//   it also cancels a latched doorbell the channel has not taken yet; otherwise it does nothing;
// - the channel's completion sets STATUS DONE or ERROR, INT_STATUS and ERROR, and drops BUSY;
// - a completion wins over a W1C clearing the same INT_STATUS bit in the same cycle.
// Port: reg_ack (and reg_rdata for a read) exactly one cycle after reg_req; a write takes
// effect at the edge that samples reg_req.
`default_nettype none

module dma_csr #(
  parameter int CHANNELS = 2  // DMA channels, 1..8 (0x100 bytes each below the global block)
) (
  input  wire                         clk,
  input  wire                         rst,
  input  wire                         cfg_addr64,
  // Register port.
  input  wire                         reg_req,
  input  wire                         reg_we,
  input  wire  [11:0]                 reg_addr,
  input  wire  [31:0]                 reg_wdata,
  output logic                        reg_ack,
  output logic [31:0]                 reg_rdata,
  // Run control per channel.
  output logic [CHANNELS-1:0]         start_valid,  // a doorbell is pending
  input  wire  [CHANNELS-1:0]         start_ready,  // the channel takes it (starts a run)
  output logic [CHANNELS-1:0][63:0]   desc_base,
  output logic [CHANNELS-1:0][31:0]   desc_count,
  output logic [CHANNELS-1:0]         irq_en,
  input  wire  [CHANNELS-1:0]         done_valid,   // the run is over (one-cycle pulse)
  input  wire  [CHANNELS-1:0][2:0]    done_err,     // its DMA_ERR_* code
  input  wire  [CHANNELS-1:0][13:0]   bytes_add,    // bytes completed this cycle
  output logic [CHANNELS-1:0]         abort_run,    // CTRL.ABORT on a BUSY channel (pulse)
  input  wire  [CHANNELS-1:0]         draining,     // the channel's aborted bursts outstanding
  output logic [63:0]                 msi_addr,
  output logic [31:0]                 msi_data,
  output logic [CHANNELS-1:0]         pending,      // start latched, not yet taken
  output logic                        irq
);
  import dma_pkg::*;

  if (CHANNELS < 1 || CHANNELS > 8) begin : g_bad_channels
    $error("dma_csr: CHANNELS must be 1..8");
  end

  logic [CHANNELS-1:0]       irq_en_reg, irq_en_next;
  logic [CHANNELS-1:0][2:0]  status_reg, status_next;  // {ERROR, DONE, BUSY}
  logic [CHANNELS-1:0]       pending_reg, pending_next;
  logic [CHANNELS-1:0][31:0] desc_lo_reg, desc_lo_next;
  logic [CHANNELS-1:0][31:0] desc_hi_reg, desc_hi_next;
  logic [CHANNELS-1:0][31:0] desc_count_reg, desc_count_next;
  logic [CHANNELS-1:0][1:0]  int_reg, int_next;         // {ERROR, DONE}
  logic [CHANNELS-1:0][2:0]  error_reg, error_next;
  logic [CHANNELS-1:0][63:0] bytes_reg, bytes_next;
  logic [31:0] msi_lo_reg, msi_lo_next, msi_hi_reg, msi_hi_next, msi_data_reg, msi_data_next;
  logic        ack_reg;
  logic [31:0] rdata_reg, rdata_next;

  wire        is_global = reg_addr[11];
  wire [2:0]  ch_sel    = reg_addr[10:8];
  wire [7:0]  offset    = reg_addr[7:0];
  wire        wr        = reg_req && reg_we;

  // CTRL written with ABORT set, per channel (whatever the channel is doing).
  logic [CHANNELS-1:0] abort_req;
  always_comb begin
    for (int c = 0; c < CHANNELS; c++)
      abort_req[c] = wr && !is_global && ch_sel == 3'(c) && offset == REG_CTRL &&
                     reg_wdata[CTRL_ABORT];
  end

  always_comb begin
    irq_en_next     = irq_en_reg;
    status_next     = status_reg;
    pending_next    = pending_reg;
    desc_lo_next    = desc_lo_reg;
    desc_hi_next    = desc_hi_reg;
    desc_count_next = desc_count_reg;
    int_next        = int_reg;
    error_next      = error_reg;
    bytes_next      = bytes_reg;
    msi_lo_next     = msi_lo_reg;
    msi_hi_next     = msi_hi_reg;
    msi_data_next   = msi_data_reg;

    // Register writes from the host.
    if (wr && is_global) begin
      case (offset)
        REG_MSI_ADDR_LO: msi_lo_next = reg_wdata;
        REG_MSI_ADDR_HI: msi_hi_next = reg_wdata;
        REG_MSI_DATA:    msi_data_next = reg_wdata;
        default: ;
      endcase
    end
    for (int c = 0; c < CHANNELS; c++) begin
      if (wr && !is_global && ch_sel == 3'(c)) begin
        case (offset)
          REG_CTRL: begin
            irq_en_next[c] = reg_wdata[CTRL_IRQ_EN];
            if (reg_wdata[CTRL_RESET] && !status_reg[c][STATUS_BUSY]) begin
              status_next[c] = '0;
              int_next[c]    = '0;
              error_next[c]  = ERR_NONE;
            end
            // After RESET, as the TLM engine: RESET in the same write sees the channel BUSY.
            if (reg_wdata[CTRL_ABORT]) begin
              if (status_reg[c][STATUS_BUSY]) status_next[c] = '0;
              pending_next[c] = 1'b0;
            end
          end
          REG_DESC_LO:    desc_lo_next[c] = reg_wdata;
          REG_DESC_HI:    desc_hi_next[c] = reg_wdata;
          REG_DESC_COUNT: desc_count_next[c] = reg_wdata;
          REG_DOORBELL:   if (!status_reg[c][STATUS_BUSY]) pending_next[c] = 1'b1;
          REG_INT_STATUS: int_next[c] = int_reg[c] & ~reg_wdata[1:0];
          default: ;
        endcase
      end
      // Run start: BUSY, the last run's DONE/ERROR and BYTES cleared (INT_STATUS and ERROR kept).
      // (start_valid is low in the cycle of an ABORT: a cancelled doorbell starts nothing.)
      if (start_valid[c] && start_ready[c]) begin
        pending_next[c] = 1'b0;
        status_next[c]  = '0;
        status_next[c][STATUS_BUSY] = 1'b1;
        bytes_next[c]   = '0;
      end else begin
        bytes_next[c] = bytes_reg[c] + 64'(bytes_add[c]);
      end
      // Run end.
      if (done_valid[c]) begin
        status_next[c] = '0;
        status_next[c][(done_err[c] != ERR_NONE) ? STATUS_ERROR : STATUS_DONE] = 1'b1;
        error_next[c]  = done_err[c];
        if (done_err[c] != ERR_NONE) int_next[c][INT_ERROR] = 1'b1;
        else int_next[c][INT_DONE] = 1'b1;
      end
    end

    // Register reads (no side effects).
    rdata_next = '0;
    if (reg_req && !reg_we) begin
      if (is_global) begin
        case (offset)
          REG_ID:          rdata_next = DMA_ID_VALUE;
          REG_CHANNELS:    rdata_next = 32'(CHANNELS);
          REG_MSI_ADDR_LO: rdata_next = msi_lo_reg;
          REG_MSI_ADDR_HI: rdata_next = msi_hi_reg;
          REG_MSI_DATA:    rdata_next = msi_data_reg;
          REG_CAPS: begin
            rdata_next              = '0;
            rdata_next[CAPS_ADDR64] = cfg_addr64;
            rdata_next[CAPS_ABORT]  = 1'b1;
          end
          default:         rdata_next = '0;
        endcase
      end else begin
        for (int c = 0; c < CHANNELS; c++) begin
          if (ch_sel == 3'(c)) begin
            case (offset)
              REG_CTRL:       rdata_next = {31'd0, irq_en_reg[c]};
              REG_STATUS: begin
                rdata_next = {29'd0, status_reg[c] | {2'b00, pending_reg[c]}};
                rdata_next[STATUS_PENDING] = draining[c];
              end
              REG_DESC_LO:    rdata_next = desc_lo_reg[c];
              REG_DESC_HI:    rdata_next = desc_hi_reg[c];
              REG_DESC_COUNT: rdata_next = desc_count_reg[c];
              REG_INT_STATUS: rdata_next = {30'd0, int_reg[c]};
              REG_ERROR:      rdata_next = {29'd0, error_reg[c]};
              REG_BYTES_LO:   rdata_next = bytes_reg[c][31:0];
              REG_BYTES_HI:   rdata_next = bytes_reg[c][63:32];
              default:        rdata_next = '0;
            endcase
          end
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    irq_en_reg     <= irq_en_next;
    status_reg     <= status_next;
    pending_reg    <= pending_next;
    desc_lo_reg    <= desc_lo_next;
    desc_hi_reg    <= desc_hi_next;
    desc_count_reg <= desc_count_next;
    int_reg        <= int_next;
    error_reg      <= error_next;
    bytes_reg      <= bytes_next;
    msi_lo_reg     <= msi_lo_next;
    msi_hi_reg     <= msi_hi_next;
    msi_data_reg   <= msi_data_next;
    ack_reg        <= reg_req;
    rdata_reg      <= rdata_next;
    if (rst) begin
      irq_en_reg     <= '0;
      status_reg     <= '0;
      pending_reg    <= '0;
      desc_lo_reg    <= '0;
      desc_hi_reg    <= '0;
      desc_count_reg <= '0;
      int_reg        <= '0;
      error_reg      <= '0;
      bytes_reg      <= '0;
      msi_lo_reg     <= '0;
      msi_hi_reg     <= '0;
      msi_data_reg   <= '0;
      ack_reg        <= 1'b0;
    end
  end

  always_comb begin
    reg_ack     = ack_reg;
    reg_rdata   = rdata_reg;
    start_valid = pending_reg & ~abort_req;
    for (int c = 0; c < CHANNELS; c++) abort_run[c] = abort_req[c] && status_reg[c][STATUS_BUSY];
    pending     = pending_reg;
    irq_en      = irq_en_reg;
    msi_addr    = {msi_hi_reg, msi_lo_reg};
    msi_data    = msi_data_reg;
    irq         = 1'b0;
    for (int c = 0; c < CHANNELS; c++) begin
      desc_base[c]  = {desc_hi_reg[c], desc_lo_reg[c]};
      desc_count[c] = desc_count_reg[c];
      if (irq_en_reg[c] && int_reg[c] != 2'b00) irq = 1'b1;
    end
  end

`ifndef SYNTHESIS
  // The bridge sends 4-byte aligned offsets (back-to-back accesses are fine: one ack each).
  a_reg_aligned: assert property (@(posedge clk) disable iff (rst) reg_req |-> reg_addr[1:0] == 2'b00)
    else $error("dma_csr: unaligned register offset");
  // A run starts only from idle and ends only while BUSY.
  for (genvar c = 0; c < CHANNELS; c++) begin : g_chk
    a_start_idle: assert property (@(posedge clk) disable iff (rst)
        start_valid[c] && start_ready[c] |-> !status_reg[c][STATUS_BUSY])
      else $error("dma_csr: channel %0d started while BUSY", c);
    a_done_busy: assert property (@(posedge clk) disable iff (rst)
        done_valid[c] |-> status_reg[c][STATUS_BUSY])
      else $error("dma_csr: channel %0d completed while not BUSY", c);
    // An aborted run reports nothing: no completion in the cycle of the ABORT, and afterwards
    // neither BUSY nor DONE/ERROR, nor a pending doorbell.
    a_abort_no_done: assert property (@(posedge clk) disable iff (rst)
        abort_run[c] |-> !done_valid[c])
      else $error("dma_csr: channel %0d completed in the cycle it was aborted", c);
    a_abort_clears_status: assert property (@(posedge clk) disable iff (rst)
        abort_run[c] |=> status_reg[c] == 3'b000 && !pending_reg[c])
      else $error("dma_csr: channel %0d still has status %b after ABORT", c, status_reg[c]);
  end
`endif

endmodule

`default_nettype wire
