//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// func addBlockKernel(s *State, blk []sim.Record, t0 int64) bool
//
// Registers: SI the record, CX the records left; X8 = [Σx, Σc],
// X10 = [Σx², Σxc], X11 = Σq, X12 = Σxq; DX the last clock, R8 the largest
// jump, R9 the largest queue, R13 the class lanes; X3 the OR of every x, c
// and q, to check their range at the end.
//
// An integer v in [0, 2^52) becomes the float64 v exactly as the bits of
// 2^52 + v (OR with the bits of 2^52) minus 2^52.
TEXT ·addBlockKernel(SB), NOSPLIT, $0-41
	MOVQ	s+0(FP), DI
	MOVQ	blk_base+8(FP), SI
	MOVQ	blk_len+16(FP), CX
	MOVQ	t0+32(FP), AX
	MOVQ	AX, X2                 // [t0, 0]
	MOVQ	$0x4330000000000000, AX
	MOVQ	AX, X1
	PUNPCKLQDQ	X1, X1         // [2^52, 2^52]
	PXOR	X3, X3
	MOVSD	State_sx(DI), X8
	MOVHPD	State_sc(DI), X8
	MOVSD	State_sxx(DI), X10
	MOVHPD	State_sxc(DI), X10
	MOVSD	State_sq(DI), X11
	MOVSD	State_sxq(DI), X12
	MOVQ	State_last(DI), DX
	MOVQ	State_maxJump(DI), R8
	MOVQ	State_maxQueue(DI), R9
	MOVQ	State_lanes(DI), R13
	MOVL	$3, R10
	LEAQ	·laneInc(SB), R12
	TESTQ	CX, CX
	JZ	check

loop:
	MOVOU	(SI), X6               // [At, Clock]
	MOVQ	16(SI), X7             // [Queue, 0]
	PSUBQ	X2, X6                 // [x, c]
	POR	X6, X3
	POR	X7, X3
	POR	X1, X6
	SUBPD	X1, X6                 // [x, c] as float64
	POR	X1, X7
	SUBSD	X1, X7                 // q as float64
	ADDPD	X6, X8                 // Σx += x; Σc += c
	PSHUFD	$0x44, X6, X9          // [x, x]
	MULPD	X6, X9                 // [x·x, x·c]
	ADDPD	X9, X10                // Σx² += x·x; Σxc += x·c
	ADDSD	X7, X11                // Σq += q
	MULSD	X6, X7                 // x·q
	ADDSD	X7, X12                // Σxq += x·q
	MOVQ	8(SI), AX              // clock
	MOVQ	AX, BX
	SUBQ	DX, BX                 // jump
	CMPQ	BX, R8
	CMOVQGT	BX, R8
	MOVQ	AX, DX
	MOVQ	16(SI), AX             // queue
	CMPQ	AX, R9
	CMOVQGT	AX, R9
	MOVL	24(SI), AX             // event
	CMPL	AX, $3
	CMOVLHI	R10, AX                // class = min(event, 3)
	ADDQ	(R12)(AX*8), R13       // lanes += laneInc[class]
	ADDQ	$32, SI
	DECQ	CX
	JNZ	loop

check:
	MOVQ	X3, AX
	PSHUFD	$0xee, X3, X3
	MOVQ	X3, BX
	ORQ	BX, AX
	SHRQ	$52, AX
	JNZ	decline
	MOVSD	X8, State_sx(DI)
	MOVHPD	X8, State_sc(DI)
	MOVSD	X10, State_sxx(DI)
	MOVHPD	X10, State_sxc(DI)
	MOVSD	X11, State_sq(DI)
	MOVSD	X12, State_sxq(DI)
	MOVQ	DX, State_last(DI)
	MOVQ	R8, State_maxJump(DI)
	MOVQ	R9, State_maxQueue(DI)
	MOVQ	R13, State_lanes(DI)
	MOVB	$1, ret+40(FP)
	RET

decline:
	MOVB	$0, ret+40(FP)
	RET
