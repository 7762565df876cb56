// Constants shared by the dma_engine modules: the register map and descriptor format of
// models/dma_regs.h (keep the two in step), request kinds and the 4 KiB burst rule.
`default_nettype none

package dma_pkg;

  // Per-channel block: base = channel * 0x100.
  localparam logic [7:0] REG_CTRL       = 8'h00;
  localparam logic [7:0] REG_STATUS     = 8'h04;
  localparam logic [7:0] REG_DESC_LO    = 8'h08;
  localparam logic [7:0] REG_DESC_HI    = 8'h0C;
  localparam logic [7:0] REG_DESC_COUNT = 8'h10;
  localparam logic [7:0] REG_DOORBELL   = 8'h14;
  localparam logic [7:0] REG_INT_STATUS = 8'h18;
  localparam logic [7:0] REG_ERROR      = 8'h1C;
  localparam logic [7:0] REG_BYTES_LO   = 8'h20;
  localparam logic [7:0] REG_BYTES_HI   = 8'h24;

  // Global block: base = 0x800.
  localparam logic [7:0] REG_ID          = 8'h00;
  localparam logic [7:0] REG_CHANNELS    = 8'h04;
  localparam logic [7:0] REG_MSI_ADDR_LO = 8'h08;
  localparam logic [7:0] REG_MSI_ADDR_HI = 8'h0C;
  localparam logic [7:0] REG_MSI_DATA    = 8'h10;
  localparam logic [7:0] REG_CAPS        = 8'h14;
  // DMA_CAPS bits.
  localparam int CAPS_ADDR64 = 0;
  localparam int CAPS_ABORT  = 1;

  localparam logic [31:0] DMA_ID_VALUE = 32'hD3A5_0001;

  // DMA_STATUS bits.
  localparam int STATUS_BUSY  = 0;
  localparam int STATUS_DONE  = 1;
  localparam int STATUS_ERROR = 2;
  localparam int STATUS_PENDING = 3;  // an aborted run's bursts still outstanding (read only)
  // DMA_CTRL bits.
  localparam int CTRL_IRQ_EN = 0;
  localparam int CTRL_RESET  = 1;
  localparam int CTRL_ABORT  = 2;
  // DMA_INT_STATUS bits.
  localparam int INT_DONE  = 0;
  localparam int INT_ERROR = 1;

  // DMA_ERROR codes (DMA_ERR_*).
  localparam logic [2:0] ERR_NONE       = 3'd0;
  localparam logic [2:0] ERR_DESC_FETCH = 3'd1;
  localparam logic [2:0] ERR_HOST_READ  = 3'd2;
  localparam logic [2:0] ERR_HOST_WRITE = 3'd3;
  localparam logic [2:0] ERR_VRAM_RANGE = 3'd4;
  localparam logic [2:0] ERR_BAD_DESC   = 3'd5;
  localparam logic [2:0] ERR_ADDRESS    = 3'd6;

  localparam int MAX_DESCRIPTORS = 4096;     // DMA_MAX_DESCRIPTORS
  localparam int DESC_BYTES      = 32;       // sizeof(DmaDescriptor)
  localparam int DESC_MAX_LENGTH = 1 << 24;  // DMA_DESC_MAX_LENGTH

  // What a bus-master request is for; it travels with the request to pick the response's sink.
  typedef enum logic [1:0] {
    KIND_DATA = 2'd0,  // host data of a descriptor (VRAM on the other side)
    KIND_DESC = 2'd1,  // part of the descriptor array
    KIND_MSI  = 2'd2   // the completion MSI (4 bytes of DMA_MSI_DATA)
  } kind_t;

  // Bytes of the next burst at addr with rem bytes left: up to the next 4 KiB boundary.
  function automatic logic [12:0] burst_len(input logic [11:0] addr_lo, input logic [24:0] rem);
    logic [12:0] to_boundary;
    to_boundary = 13'd4096 - {1'b0, addr_lo};
    burst_len = (rem < {12'd0, to_boundary}) ? rem[12:0] : to_boundary;
  endfunction

endpackage

`default_nettype wire
