// Code written for dast (not generated): the float32 exp of fastgo's Exp executor, four
// float64 lanes per AVX2 register, two registers per iteration. Each lane runs exactly the
// operation sequence of the Go runtime's math.archExp on amd64 with FMA (the Shibata/SLEEF
// reduction and Taylor series of src/math/exp_amd64.s: the same constants, the same fused and
// unfused operations in the same order, the same round-to-nearest conversions), so that
// float32(math.Exp(float64(x))) and this kernel agree bit for bit; the test checks it.
// Lanes with |x| > 700, infinities and NaNs take Go's scalar path (the caller's): the kernel
// stops before the first group of 8 holding one.

#include "textflag.h"

DATA expc<>+0(SB)/8, $0x3FF71547652B82FE
DATA expc<>+8(SB)/8, $0x3FF71547652B82FE
DATA expc<>+16(SB)/8, $0x3FF71547652B82FE
DATA expc<>+24(SB)/8, $0x3FF71547652B82FE
DATA expc<>+32(SB)/8, $0x3FE62E42FEFA3000
DATA expc<>+40(SB)/8, $0x3FE62E42FEFA3000
DATA expc<>+48(SB)/8, $0x3FE62E42FEFA3000
DATA expc<>+56(SB)/8, $0x3FE62E42FEFA3000
DATA expc<>+64(SB)/8, $0x3D53DE6AF278ECE6
DATA expc<>+72(SB)/8, $0x3D53DE6AF278ECE6
DATA expc<>+80(SB)/8, $0x3D53DE6AF278ECE6
DATA expc<>+88(SB)/8, $0x3D53DE6AF278ECE6
DATA expc<>+96(SB)/8, $0x3FB0000000000000
DATA expc<>+104(SB)/8, $0x3FB0000000000000
DATA expc<>+112(SB)/8, $0x3FB0000000000000
DATA expc<>+120(SB)/8, $0x3FB0000000000000
DATA expc<>+128(SB)/8, $0x3EFA01A01A01A01A
DATA expc<>+136(SB)/8, $0x3EFA01A01A01A01A
DATA expc<>+144(SB)/8, $0x3EFA01A01A01A01A
DATA expc<>+152(SB)/8, $0x3EFA01A01A01A01A
DATA expc<>+160(SB)/8, $0x3F2A01A01A01A01A
DATA expc<>+168(SB)/8, $0x3F2A01A01A01A01A
DATA expc<>+176(SB)/8, $0x3F2A01A01A01A01A
DATA expc<>+184(SB)/8, $0x3F2A01A01A01A01A
DATA expc<>+192(SB)/8, $0x3F56C16C16C16C17
DATA expc<>+200(SB)/8, $0x3F56C16C16C16C17
DATA expc<>+208(SB)/8, $0x3F56C16C16C16C17
DATA expc<>+216(SB)/8, $0x3F56C16C16C16C17
DATA expc<>+224(SB)/8, $0x3F81111111111111
DATA expc<>+232(SB)/8, $0x3F81111111111111
DATA expc<>+240(SB)/8, $0x3F81111111111111
DATA expc<>+248(SB)/8, $0x3F81111111111111
DATA expc<>+256(SB)/8, $0x3FA5555555555555
DATA expc<>+264(SB)/8, $0x3FA5555555555555
DATA expc<>+272(SB)/8, $0x3FA5555555555555
DATA expc<>+280(SB)/8, $0x3FA5555555555555
DATA expc<>+288(SB)/8, $0x3FC5555555555555
DATA expc<>+296(SB)/8, $0x3FC5555555555555
DATA expc<>+304(SB)/8, $0x3FC5555555555555
DATA expc<>+312(SB)/8, $0x3FC5555555555555
DATA expc<>+320(SB)/8, $0x3FE0000000000000
DATA expc<>+328(SB)/8, $0x3FE0000000000000
DATA expc<>+336(SB)/8, $0x3FE0000000000000
DATA expc<>+344(SB)/8, $0x3FE0000000000000
DATA expc<>+352(SB)/8, $0x3FF0000000000000
DATA expc<>+360(SB)/8, $0x3FF0000000000000
DATA expc<>+368(SB)/8, $0x3FF0000000000000
DATA expc<>+376(SB)/8, $0x3FF0000000000000
DATA expc<>+384(SB)/8, $0x4000000000000000
DATA expc<>+392(SB)/8, $0x4000000000000000
DATA expc<>+400(SB)/8, $0x4000000000000000
DATA expc<>+408(SB)/8, $0x4000000000000000
DATA expc<>+416(SB)/8, $0x4085E00000000000
DATA expc<>+424(SB)/8, $0x4085E00000000000
DATA expc<>+432(SB)/8, $0x4085E00000000000
DATA expc<>+440(SB)/8, $0x4085E00000000000
DATA expc<>+448(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA expc<>+456(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA expc<>+464(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA expc<>+472(SB)/8, $0x7FFFFFFFFFFFFFFF
DATA expc<>+480(SB)/4, $1023
DATA expc<>+484(SB)/4, $1023
DATA expc<>+488(SB)/4, $1023
DATA expc<>+492(SB)/4, $1023


GLOBL expc<>(SB), RODATA|NOPTR, $496

// Each constant four times (one ymm), then the exponent bias four times (one xmm).
#define LOG2E expc<>+0(SB)
#define LN2U expc<>+32(SB)
#define LN2L expc<>+64(SB)
#define SIXTEENTH expc<>+96(SB)
#define C64 expc<>+128(SB)
#define C56 expc<>+160(SB)
#define C48 expc<>+192(SB)
#define C40 expc<>+224(SB)
#define C32 expc<>+256(SB)
#define C24 expc<>+288(SB)
#define HALF expc<>+320(SB)
#define ONE expc<>+352(SB)
#define TWO expc<>+384(SB)
#define LIMIT expc<>+416(SB)
#define ABSMASK expc<>+448(SB)
#define BIAS expc<>+480(SB)

// func expF32(dst, src *float32, n int) int
TEXT ·expF32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	VMOVUPD LIMIT, Y14
	VMOVUPD ABSMASK, Y15

loop:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $8
	JLT  done
	VCVTPS2PD (SI)(AX*4), Y0
	VCVTPS2PD 16(SI)(AX*4), Y1
	VANDPD    Y15, Y0, Y2
	VANDPD    Y15, Y1, Y3
	VCMPPD    $0x12, Y14, Y2, Y2 // |x| <= 700 (false for NaN)
	VCMPPD    $0x12, Y14, Y3, Y3
	VANDPD    Y3, Y2, Y2
	VMOVMSKPD Y2, DX
	CMPQ      DX, $15
	JNE       done

	// n = round(x*log2(e)); x -= n*ln2 (upper, then lower half)
	VMULPD       LOG2E, Y0, Y2
	VMULPD       LOG2E, Y1, Y3
	VCVTPD2DQY   Y2, X4
	VCVTPD2DQY   Y3, X5
	VCVTDQ2PD    X4, Y2
	VCVTDQ2PD    X5, Y3
	VFNMADD231PD LN2U, Y2, Y0
	VFNMADD231PD LN2U, Y3, Y1
	VFNMADD231PD LN2L, Y2, Y0
	VFNMADD231PD LN2L, Y3, Y1
	VMULPD       SIXTEENTH, Y0, Y0
	VMULPD       SIXTEENTH, Y1, Y1

	// Taylor series
	VMOVUPD     C64, Y2
	VMOVUPD     C64, Y3
	VFMADD213PD C56, Y0, Y2
	VFMADD213PD C56, Y1, Y3
	VFMADD213PD C48, Y0, Y2
	VFMADD213PD C48, Y1, Y3
	VFMADD213PD C40, Y0, Y2
	VFMADD213PD C40, Y1, Y3
	VFMADD213PD C32, Y0, Y2
	VFMADD213PD C32, Y1, Y3
	VFMADD213PD C24, Y0, Y2
	VFMADD213PD C24, Y1, Y3
	VFMADD213PD HALF, Y0, Y2
	VFMADD213PD HALF, Y1, Y3
	VFMADD213PD ONE, Y0, Y2
	VFMADD213PD ONE, Y1, Y3
	VMULPD      Y2, Y0, Y0
	VMULPD      Y3, Y1, Y1

	// undo the 1/16 reduction: y = y*(y+2), three times, then y*(y+2)+1
	VADDPD      TWO, Y0, Y2
	VADDPD      TWO, Y1, Y3
	VMULPD      Y2, Y0, Y0
	VMULPD      Y3, Y1, Y1
	VADDPD      TWO, Y0, Y2
	VADDPD      TWO, Y1, Y3
	VMULPD      Y2, Y0, Y0
	VMULPD      Y3, Y1, Y1
	VADDPD      TWO, Y0, Y2
	VADDPD      TWO, Y1, Y3
	VMULPD      Y2, Y0, Y0
	VMULPD      Y3, Y1, Y1
	VADDPD      TWO, Y0, Y2
	VADDPD      TWO, Y1, Y3
	VFMADD213PD ONE, Y2, Y0
	VFMADD213PD ONE, Y3, Y1

	// times 2**n (n+1023 in the exponent bits; |x| <= 700 keeps it normal)
	VPADDD     BIAS, X4, X4
	VPADDD     BIAS, X5, X5
	VPMOVSXDQ  X4, Y4
	VPMOVSXDQ  X5, Y5
	VPSLLQ     $52, Y4, Y4
	VPSLLQ     $52, Y5, Y5
	VMULPD     Y4, Y0, Y0
	VMULPD     Y5, Y1, Y1
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VMOVUPS    X0, (DI)(AX*4)
	VMOVUPS    X1, 16(DI)(AX*4)
	ADDQ       $8, AX
	JMP        loop

done:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET
