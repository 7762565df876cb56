// Synchronous FIFO with valid/ready on both sides. Registered status (no combinational path
// from out_ready to in_ready); the head is read from the storage array.
`default_nettype none

module dma_fifo #(
  parameter int WIDTH = 8,  // bits per entry
  parameter int DEPTH = 4   // entries, >= 1 (any value, not only powers of two)
) (
  input  wire              clk,
  input  wire              rst,
  input  wire              in_valid,
  output logic             in_ready,
  input  wire  [WIDTH-1:0] in_data,
  output logic             out_valid,
  input  wire              out_ready,
  output logic [WIDTH-1:0] out_data,
  output logic [$clog2(DEPTH+1)-1:0] count
);
  localparam int PTR_W = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam int CNT_W = $clog2(DEPTH + 1);

  if (WIDTH < 1) begin : g_bad_width
    $error("dma_fifo: WIDTH must be >= 1");
  end
  if (DEPTH < 1) begin : g_bad_depth
    $error("dma_fifo: DEPTH must be >= 1");
  end

  logic [WIDTH-1:0] mem [DEPTH];
  logic [PTR_W-1:0] wr_ptr_reg, wr_ptr_next, rd_ptr_reg, rd_ptr_next;
  logic [CNT_W-1:0] count_reg, count_next;

  wire push = in_valid && in_ready;
  wire pop  = out_valid && out_ready;

  function automatic logic [PTR_W-1:0] ptr_inc(input logic [PTR_W-1:0] p);
    ptr_inc = (p == PTR_W'(DEPTH - 1)) ? '0 : p + 1'b1;
  endfunction

  always_comb begin
    in_ready    = count_reg != CNT_W'(DEPTH);
    out_valid   = count_reg != '0;
    out_data    = mem[rd_ptr_reg];
    count       = count_reg;
    wr_ptr_next = push ? ptr_inc(wr_ptr_reg) : wr_ptr_reg;
    rd_ptr_next = pop ? ptr_inc(rd_ptr_reg) : rd_ptr_reg;
    count_next  = count_reg + CNT_W'(push) - CNT_W'(pop);
  end

  always_ff @(posedge clk) begin
    if (push) mem[wr_ptr_reg] <= in_data;
    wr_ptr_reg <= wr_ptr_next;
    rd_ptr_reg <= rd_ptr_next;
    count_reg  <= count_next;
    if (rst) begin
      wr_ptr_reg <= '0;
      rd_ptr_reg <= '0;
      count_reg  <= '0;
    end
  end

`ifndef SYNTHESIS
  // The producer must not push into a full FIFO: a_fifo_overflow catches a lost entry.
  a_fifo_overflow: assert property (@(posedge clk) disable iff (rst) in_valid |-> in_ready)
    else $error("dma_fifo: push while full");
`endif

endmodule

`default_nettype wire
