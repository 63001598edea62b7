;; Scalar kernels of the input diagnostics (src/diagnostics/kernels.ts): the per-voxel loops of
;; the strided sample, the centre-cube spectra and the solvent-noise spectrum.
;; WebAssembly is compiled ahead, so the diagnostics' first call in a process runs at full speed
;; (the JavaScript loops ran unoptimised, boxing every double, until V8 tiered them up).
;; Every kernel does the JavaScript it replaces operation for operation, in the same order, in
;; float64 with float32 stores (f32.demote_f64 = Math.fround), so the results are bit-identical.
;; All pointers are byte offsets into this module's memory; f32 arrays unless noted.
(module
  (memory (export "memory") 1 65536)

  ;; sum of the n floats at $p, in order, in float64
  (func (export "sum") (param $p i32) (param $n i32) (result f64)
    (local $end i32) (local $s f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l)))
    (local.get $s))

  ;; mean over bin^3 blocks: dst[(z/bin*mby + y/bin)*mbx + x/bin] += (1/bin^3) * src[(z*my + y)*mx + x]
  ;; for x < mbx*bin, y < mby*bin, z in [z0, min(z1, mbz*bin)) (dst zeroed by the caller)
  (func (export "bin") (param $src i32) (param $mx i32) (param $my i32) (param $mbx i32) (param $mby i32) (param $mbz i32) (param $bin i32) (param $dst i32) (param $z0 i32) (param $z1 i32)
    (local $w f64) (local $x i32) (local $y i32) (local $z i32) (local $ps i32) (local $pd i32) (local $a i32)
    (local $xe i32) (local $ye i32) (local $ze i32)
    (local.set $w (f64.div (f64.const 1) (f64.convert_i32_s (i32.mul (i32.mul (local.get $bin) (local.get $bin)) (local.get $bin)))))
    (local.set $xe (i32.mul (local.get $mbx) (local.get $bin)))
    (local.set $ye (i32.mul (local.get $mby) (local.get $bin)))
    (local.set $ze (i32.mul (local.get $mbz) (local.get $bin)))
    (local.set $z (local.get $z0))
    (block $dz (loop $lz
      (br_if $dz (i32.ge_s (local.get $z) (select (local.get $z1) (local.get $ze) (i32.lt_s (local.get $z1) (local.get $ze)))))
      (local.set $y (i32.const 0))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $y) (local.get $ye)))
        (local.set $ps (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (i32.mul (local.get $z) (local.get $my)) (local.get $y)) (local.get $mx)) (i32.const 2))))
        (local.set $pd (i32.add (local.get $dst) (i32.shl (i32.mul (i32.add (i32.mul (i32.div_s (local.get $z) (local.get $bin)) (local.get $mby)) (i32.div_s (local.get $y) (local.get $bin))) (local.get $mbx)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $dx (loop $lx
          (br_if $dx (i32.ge_s (local.get $x) (local.get $xe)))
          (local.set $a (i32.add (local.get $pd) (i32.shl (i32.div_s (local.get $x) (local.get $bin)) (i32.const 2))))
          (f32.store (local.get $a)
            (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $a)))
              (f64.mul (local.get $w) (f64.promote_f32 (f32.load (i32.add (local.get $ps) (i32.shl (local.get $x) (i32.const 2)))))))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $lx)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ly)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $lz))))

  ;; The solvent weight on the fine grid (mx, my, mz) from the dilated mask on the coarse grid
  ;; (nx, ny, nz): separable trilinear interpolation (per axis: i32 tables i0, i1 and f64 table f;
  ;; f64 scratch rowX of nz*ny*mx and yz of nz*my*mx), then w = taper * clip(1 - 20 mask, 0, 1)
  ;; with taper = wy[y]*wz[z]*wx[x] (f64 tables); stores the f32 weights at $w and the f64 sums
  ;; (weight, weight*cube, weight^2, taper, taper^2) at $sums.
  (func (export "upsampleWeights")
    (param $coarse i32) (param $nx i32) (param $ny i32) (param $nz i32) (param $mx i32) (param $my i32) (param $mz i32)
    (param $i0x i32) (param $i1x i32) (param $fx i32) (param $i0y i32) (param $i1y i32) (param $fy i32) (param $i0z i32) (param $i1z i32) (param $fz i32)
    (param $rowX i32) (param $yz i32) (param $cube i32) (param $wx i32) (param $wy i32) (param $wz i32) (param $w i32) (param $sums i32)
    (param $stage i32) (param $from i32) (param $to i32)
    (local $r i32) (local $x i32) (local $y i32) (local $z i32) (local $src i32) (local $dst i32) (local $r0 i32) (local $r1 i32)
    (local $a f64) (local $f f64) (local $c00 f64) (local $mask f64) (local $t f64) (local $c f64) (local $s2 f64) (local $wyz f64)
    (local $sw f64) (local $swv f64) (local $sws2 f64) (local $swt f64) (local $swt2 f64) (local $i i32) (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32)
    (local.set $sw (f64.load (local.get $sums)))
    (local.set $swv (f64.load offset=8 (local.get $sums)))
    (local.set $sws2 (f64.load offset=16 (local.get $sums)))
    (local.set $swt (f64.load offset=24 (local.get $sums)))
    (local.set $swt2 (f64.load offset=32 (local.get $sums)))
    ;; stage 1: along x for the coarse rows r in [from, to)
    (if (i32.eq (local.get $stage) (i32.const 1)) (then
    (local.set $r (local.get $from))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_s (local.get $r) (local.get $to)))
      (local.set $src (i32.add (local.get $coarse) (i32.shl (i32.mul (local.get $r) (local.get $nx)) (i32.const 2))))
      (local.set $dst (i32.add (local.get $rowX) (i32.shl (i32.mul (local.get $r) (local.get $mx)) (i32.const 3))))
      (local.set $x (i32.const 0))
      (block $d1x (loop $l1x
        (br_if $d1x (i32.ge_s (local.get $x) (local.get $mx)))
        (local.set $a (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $i0x) (i32.shl (local.get $x) (i32.const 2)))) (i32.const 2))))))
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 3)))
          (f64.add (local.get $a)
            (f64.mul (f64.load (i32.add (local.get $fx) (i32.shl (local.get $x) (i32.const 3))))
              (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $i1x) (i32.shl (local.get $x) (i32.const 2)))) (i32.const 2)))))
                (local.get $a)))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $l1x)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))))
    ;; stage 2: along y for the coarse planes z in [from, to)
    (if (i32.eq (local.get $stage) (i32.const 2)) (then
    (local.set $z (local.get $from))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_s (local.get $z) (local.get $to)))
      (local.set $y (i32.const 0))
      (block $d2y (loop $l2y
        (br_if $d2y (i32.ge_s (local.get $y) (local.get $my)))
        (local.set $r0 (i32.add (local.get $rowX) (i32.shl (i32.mul (i32.add (i32.mul (local.get $z) (local.get $ny)) (i32.load (i32.add (local.get $i0y) (i32.shl (local.get $y) (i32.const 2))))) (local.get $mx)) (i32.const 3))))
        (local.set $r1 (i32.add (local.get $rowX) (i32.shl (i32.mul (i32.add (i32.mul (local.get $z) (local.get $ny)) (i32.load (i32.add (local.get $i1y) (i32.shl (local.get $y) (i32.const 2))))) (local.get $mx)) (i32.const 3))))
        (local.set $f (f64.load (i32.add (local.get $fy) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $dst (i32.add (local.get $yz) (i32.shl (i32.mul (i32.add (i32.mul (local.get $z) (local.get $my)) (local.get $y)) (local.get $mx)) (i32.const 3))))
        (local.set $x (i32.const 0))
        (block $d2x (loop $l2x
          (br_if $d2x (i32.ge_s (local.get $x) (local.get $mx)))
          (local.set $c00 (f64.load (i32.add (local.get $r0) (i32.shl (local.get $x) (i32.const 3)))))
          (f64.store (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 3)))
            (f64.add (local.get $c00) (f64.mul (local.get $f) (f64.sub (f64.load (i32.add (local.get $r1) (i32.shl (local.get $x) (i32.const 3)))) (local.get $c00)))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $l2x)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $l2y)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $l2)))))
    ;; stage 3: along z per voxel for the fine planes z in [from, to), then the weight and the sums
    (if (i32.eq (local.get $stage) (i32.const 3)) (then
    (local.set $i (i32.mul (i32.mul (local.get $from) (local.get $my)) (local.get $mx)))
    (local.set $z (local.get $from))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_s (local.get $z) (local.get $to)))
      (local.set $p0 (i32.mul (i32.mul (i32.load (i32.add (local.get $i0z) (i32.shl (local.get $z) (i32.const 2)))) (local.get $my)) (local.get $mx)))
      (local.set $p1 (i32.mul (i32.mul (i32.load (i32.add (local.get $i1z) (i32.shl (local.get $z) (i32.const 2)))) (local.get $my)) (local.get $mx)))
      (local.set $f (f64.load (i32.add (local.get $fz) (i32.shl (local.get $z) (i32.const 3)))))
      (local.set $y (i32.const 0))
      (block $d3y (loop $l3y
        (br_if $d3y (i32.ge_s (local.get $y) (local.get $my)))
        (local.set $q0 (i32.add (local.get $yz) (i32.shl (i32.add (local.get $p0) (i32.mul (local.get $y) (local.get $mx))) (i32.const 3))))
        (local.set $q1 (i32.add (local.get $yz) (i32.shl (i32.add (local.get $p1) (i32.mul (local.get $y) (local.get $mx))) (i32.const 3))))
        (local.set $wyz (f64.mul (f64.load (i32.add (local.get $wy) (i32.shl (local.get $y) (i32.const 3))))
                                 (f64.load (i32.add (local.get $wz) (i32.shl (local.get $z) (i32.const 3))))))
        (local.set $x (i32.const 0))
        (block $d3x (loop $l3x
          (br_if $d3x (i32.ge_s (local.get $x) (local.get $mx)))
          (local.set $c00 (f64.load (i32.add (local.get $q0) (i32.shl (local.get $x) (i32.const 3)))))
          (local.set $mask (f64.promote_f32 (f32.demote_f64
            (f64.add (local.get $c00) (f64.mul (local.get $f) (f64.sub (f64.load (i32.add (local.get $q1) (i32.shl (local.get $x) (i32.const 3)))) (local.get $c00)))))))
          (local.set $t (f64.mul (local.get $wyz) (f64.load (i32.add (local.get $wx) (i32.shl (local.get $x) (i32.const 3))))))
          (local.set $c (f64.sub (f64.const 1) (f64.mul (f64.const 20) (local.get $mask))))
          (local.set $s2
            (if (result f64) (f64.le (local.get $c) (f64.const 0))
              (then (f64.const 0))
              (else (if (result f64) (f64.ge (local.get $c) (f64.const 1))
                (then (local.get $t))
                (else (f64.mul (local.get $t) (local.get $c)))))))
          (f32.store (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (local.get $s2)))
          (local.set $sw (f64.add (local.get $sw) (local.get $s2)))
          (local.set $swv (f64.add (local.get $swv) (f64.mul (local.get $s2) (f64.promote_f32 (f32.load (i32.add (local.get $cube) (i32.shl (local.get $i) (i32.const 2))))))))
          (local.set $sws2 (f64.add (local.get $sws2) (f64.mul (local.get $s2) (local.get $s2))))
          (local.set $swt (f64.add (local.get $swt) (local.get $t)))
          (local.set $swt2 (f64.add (local.get $swt2) (f64.mul (local.get $t) (local.get $t))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $l3x)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $l3y)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $l3)))))
    (f64.store (local.get $sums) (local.get $sw))
    (f64.store offset=8 (local.get $sums) (local.get $swv))
    (f64.store offset=16 (local.get $sums) (local.get $sws2))
    (f64.store offset=24 (local.get $sums) (local.get $swt))
    (f64.store offset=32 (local.get $sums) (local.get $swt2)))

  ;; In one pass over the cube (mx, my, mz): if $w is not 0, w <- (cube - solventMean) * w (the
  ;; weighted solvent); then cube <- (cube - mean) * (wy[y]*wz[z]) * wx[x] (the tapered cube; f64 tables).
  (func (export "weightAndTaper") (param $w i32) (param $cube i32) (param $mx i32) (param $my i32) (param $mz i32)
    (param $wx i32) (param $wy i32) (param $wz i32) (param $solventMean f64) (param $mean f64)
    (local $x i32) (local $y i32) (local $z i32) (local $i i32) (local $wyz f64) (local $val f64) (local $a i32)
    (local.set $z (i32.const 0))
    (block $dz (loop $lz
      (br_if $dz (i32.ge_s (local.get $z) (local.get $mz)))
      (local.set $y (i32.const 0))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $y) (local.get $my)))
        (local.set $wyz (f64.mul (f64.load (i32.add (local.get $wy) (i32.shl (local.get $y) (i32.const 3))))
                                 (f64.load (i32.add (local.get $wz) (i32.shl (local.get $z) (i32.const 3))))))
        (local.set $x (i32.const 0))
        (block $dx (loop $lx
          (br_if $dx (i32.ge_s (local.get $x) (local.get $mx)))
          (local.set $a (i32.shl (local.get $i) (i32.const 2)))
          (local.set $val (f64.promote_f32 (f32.load (i32.add (local.get $cube) (local.get $a)))))
          (if (local.get $w) (then
            (f32.store (i32.add (local.get $w) (local.get $a))
              (f32.demote_f64 (f64.mul (f64.sub (local.get $val) (local.get $solventMean)) (f64.promote_f32 (f32.load (i32.add (local.get $w) (local.get $a)))))))))
          (f32.store (i32.add (local.get $cube) (local.get $a))
            (f32.demote_f64 (f64.mul (f64.mul (f64.sub (local.get $val) (local.get $mean)) (local.get $wyz))
              (f64.load (i32.add (local.get $wx) (i32.shl (local.get $x) (i32.const 3)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $lx)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ly)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $lz))))

  ;; Fourier shell of every sample of a half spectrum (rfft3d layout: hx fastest, y and z in FFT
  ;; order): s = round(sqrt(fx2[x] + fy^2 + fz^2) / df) (JavaScript's Math.round), fy = signed(y)/ey,
  ;; fz = signed(z)/ez, fx2 an f64 table; stored as i32 at $shell, -1 where s >= nShells; for the
  ;; planes z in [z0, z1) ($shell points at plane z0).
  (func (export "shellIndex") (param $shell i32) (param $hx i32) (param $ny i32) (param $nz i32)
    (param $fx2 i32) (param $ey f64) (param $ez f64) (param $df f64) (param $nShells i32) (param $z0 i32) (param $z1 i32)
    (local $x i32) (local $y i32) (local $z i32) (local $fy f64) (local $fz f64) (local $v f64) (local $r f64)
    (local.set $z (local.get $z0))
    (block $dz (loop $lz
      (br_if $dz (i32.ge_s (local.get $z) (local.get $z1)))
      (local.set $fz (f64.div (f64.convert_i32_s (select (local.get $z) (i32.sub (local.get $z) (local.get $nz))
        (i32.le_s (local.get $z) (i32.sub (local.get $nz) (local.get $z))))) (local.get $ez)))
      (local.set $y (i32.const 0))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $y) (local.get $ny)))
        (local.set $fy (f64.div (f64.convert_i32_s (select (local.get $y) (i32.sub (local.get $y) (local.get $ny))
          (i32.le_s (local.get $y) (i32.sub (local.get $ny) (local.get $y))))) (local.get $ey)))
        (local.set $x (i32.const 0))
        (block $dx (loop $lx
          (br_if $dx (i32.ge_s (local.get $x) (local.get $hx)))
          (local.set $v (f64.div (f64.sqrt (f64.add (f64.add (f64.load (i32.add (local.get $fx2) (i32.shl (local.get $x) (i32.const 3))))
            (f64.mul (local.get $fy) (local.get $fy))) (f64.mul (local.get $fz) (local.get $fz)))) (local.get $df)))
          ;; Math.round: ceil, minus 1 when ceil - 0.5 > v
          (local.set $r (f64.ceil (local.get $v)))
          (if (f64.gt (f64.sub (local.get $r) (f64.const 0.5)) (local.get $v)) (then (local.set $r (f64.sub (local.get $r) (f64.const 1)))))
          (i32.store (local.get $shell)
            (if (result i32) (f64.lt (local.get $r) (f64.convert_i32_s (local.get $nShells)))
              (then (i32.trunc_f64_s (local.get $r)))
              (else (i32.const -1))))
          (local.set $shell (i32.add (local.get $shell) (i32.const 4)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $lx)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ly)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $lz))))

  ;; Power per Fourier shell of a half spectrum of n complex samples (f32 (re, im), rows of hx) with
  ;; the shells of shellIndex: for s >= 0, p[s] += c * (re^2 + im^2) and count[s] += c (f64),
  ;; c = 1 at x = 0 and x = nyqX, else 2.
  (func (export "shellPower") (param $spec i32) (param $n i32) (param $hx i32) (param $nyqX i32) (param $shell i32) (param $p i32) (param $count i32)
    (local $i i32) (local $x i32) (local $s i32) (local $c f64) (local $re f64) (local $im f64) (local $a i32)
    (block $d (loop $l
      (br_if $d (i32.ge_s (local.get $i) (local.get $n)))
      (if (i32.eq (local.get $x) (local.get $hx)) (then (local.set $x (i32.const 0))))
      (local.set $s (i32.load (local.get $shell)))
      (if (i32.ge_s (local.get $s) (i32.const 0)) (then
        (local.set $c (select (f64.const 1) (f64.const 2) (i32.or (i32.eqz (local.get $x)) (i32.eq (local.get $x) (local.get $nyqX)))))
        (local.set $re (f64.promote_f32 (f32.load (local.get $spec))))
        (local.set $im (f64.promote_f32 (f32.load offset=4 (local.get $spec))))
        (local.set $a (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a))
          (f64.mul (local.get $c) (f64.add (f64.mul (local.get $re) (local.get $re)) (f64.mul (local.get $im) (local.get $im))))))
        (local.set $a (i32.add (local.get $count) (i32.shl (local.get $s) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (local.get $c)))))
      (local.set $spec (i32.add (local.get $spec) (i32.const 8)))
      (local.set $shell (i32.add (local.get $shell) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $l))))

  ;; One plane (sample index iz) of the strided sample of measureMapFeatures: $rows holds the sy
  ;; sampled rows of the plane (nx floats each); voxel ix of a row is at ix*stride. Accumulates
  ;; into f64 arrays bSum, bSq, bN (blocks of be sample voxels, bx*by per plane of blocks), the
  ;; 64-bin f64 histogram over [min, min + 64/invW) and the f64 accumulators at $acc: sum, sum of
  ;; squares, zeros, negatives, voxels equal to faceMode, extremes (<= lo or >= hi), and the
  ;; minimum and maximum of the voxels other than faceMode.
  (func (export "samplePlane") (param $rows i32) (param $nx i32) (param $stride i32) (param $sx i32) (param $sy i32) (param $iz i32)
    (param $be i32) (param $bx i32) (param $by i32) (param $bSum i32) (param $bSq i32) (param $bN i32) (param $hist i32)
    (param $min f64) (param $invW f64) (param $lo f64) (param $hi f64) (param $mode f64) (param $acc i32)
    (local $ix i32) (local $iy i32) (local $row i32) (local $bRow i32) (local $b i32) (local $val f64) (local $t f64) (local $a i32)
    (local $sum f64) (local $sq f64) (local $zeros f64) (local $neg f64) (local $hits f64) (local $ext f64) (local $minOff f64) (local $maxOff f64)
    (local.set $sum (f64.load (local.get $acc)))
    (local.set $sq (f64.load offset=8 (local.get $acc)))
    (local.set $zeros (f64.load offset=16 (local.get $acc)))
    (local.set $neg (f64.load offset=24 (local.get $acc)))
    (local.set $hits (f64.load offset=32 (local.get $acc)))
    (local.set $ext (f64.load offset=40 (local.get $acc)))
    (local.set $minOff (f64.load offset=48 (local.get $acc)))
    (local.set $maxOff (f64.load offset=56 (local.get $acc)))
    (local.set $iy (i32.const 0))
    (block $dy (loop $ly
      (br_if $dy (i32.ge_s (local.get $iy) (local.get $sy)))
      (local.set $row (i32.add (local.get $rows) (i32.shl (i32.mul (local.get $iy) (local.get $nx)) (i32.const 2))))
      (local.set $bRow (i32.mul (i32.add (i32.mul (i32.div_s (local.get $iz) (local.get $be)) (local.get $by)) (i32.div_s (local.get $iy) (local.get $be))) (local.get $bx)))
      (local.set $ix (i32.const 0))
      (block $dx (loop $lx
        (br_if $dx (i32.ge_s (local.get $ix) (local.get $sx)))
        (local.set $val (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (i32.mul (local.get $ix) (local.get $stride)) (i32.const 2))))))
        (local.set $b (i32.shl (i32.add (local.get $bRow) (i32.div_s (local.get $ix) (local.get $be))) (i32.const 3)))
        (local.set $a (i32.add (local.get $bSum) (local.get $b)))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (local.get $val)))
        (local.set $a (i32.add (local.get $bSq) (local.get $b)))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.mul (local.get $val) (local.get $val))))
        (local.set $a (i32.add (local.get $bN) (local.get $b)))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
        (local.set $sum (f64.add (local.get $sum) (local.get $val)))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $val) (local.get $val))))
        (if (f64.eq (local.get $val) (f64.const 0)) (then (local.set $zeros (f64.add (local.get $zeros) (f64.const 1)))))
        (if (f64.lt (local.get $val) (f64.const 0)) (then (local.set $neg (f64.add (local.get $neg) (f64.const 1)))))
        (if (f64.eq (local.get $val) (local.get $mode))
          (then (local.set $hits (f64.add (local.get $hits) (f64.const 1))))
          (else
            (if (f64.lt (local.get $val) (local.get $minOff)) (then (local.set $minOff (local.get $val))))
            (if (f64.gt (local.get $val) (local.get $maxOff)) (then (local.set $maxOff (local.get $val))))))
        (if (i32.or (f64.le (local.get $val) (local.get $lo)) (f64.ge (local.get $val) (local.get $hi)))
          (then (local.set $ext (f64.add (local.get $ext) (f64.const 1)))))
        ;; hb = min(63, floor((val - min) * invW)); hist[hb]++ (skipped when negative or NaN, as a JS typed array ignores it)
        (local.set $t (f64.floor (f64.mul (f64.sub (local.get $val) (local.get $min)) (local.get $invW))))
        (if (f64.gt (local.get $t) (f64.const 63)) (then (local.set $t (f64.const 63))))
        (if (f64.ge (local.get $t) (f64.const 0)) (then
          (local.set $a (i32.add (local.get $hist) (i32.shl (i32.trunc_f64_s (local.get $t)) (i32.const 3))))
          (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))))
        (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
        (br $lx)))
      (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
      (br $ly)))
    (f64.store (local.get $acc) (local.get $sum))
    (f64.store offset=8 (local.get $acc) (local.get $sq))
    (f64.store offset=16 (local.get $acc) (local.get $zeros))
    (f64.store offset=24 (local.get $acc) (local.get $neg))
    (f64.store offset=32 (local.get $acc) (local.get $hits))
    (f64.store offset=40 (local.get $acc) (local.get $ext))
    (f64.store offset=48 (local.get $acc) (local.get $minOff))
    (f64.store offset=56 (local.get $acc) (local.get $maxOff)))

  ;; min and max (f64 at acc, acc+8) of one plane of the strided sample (sy rows of nx floats at
  ;; $rows, voxel ix at ix*stride), updated in place; returns 1 at the first NaN (then stops), else 0
  (func (export "rangePlane") (param $rows i32) (param $nx i32) (param $stride i32) (param $sx i32) (param $sy i32) (param $acc i32) (result i32)
    (local $ix i32) (local $iy i32) (local $row i32) (local $val f64) (local $min f64) (local $max f64) (local $nan i32)
    (local.set $min (f64.load (local.get $acc)))
    (local.set $max (f64.load offset=8 (local.get $acc)))
    (local.set $iy (i32.const 0))
    (block $done (block $dy (loop $ly
      (br_if $dy (i32.ge_s (local.get $iy) (local.get $sy)))
      (local.set $row (i32.add (local.get $rows) (i32.shl (i32.mul (local.get $iy) (local.get $nx)) (i32.const 2))))
      (local.set $ix (i32.const 0))
      (block $dx (loop $lx
        (br_if $dx (i32.ge_s (local.get $ix) (local.get $sx)))
        (local.set $val (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (i32.mul (local.get $ix) (local.get $stride)) (i32.const 2))))))
        (if (f64.lt (local.get $val) (local.get $min)) (then (local.set $min (local.get $val))))
        (if (f64.gt (local.get $val) (local.get $max)) (then (local.set $max (local.get $val))))
        (if (f64.ne (local.get $val) (local.get $val)) (then (local.set $nan (i32.const 1)) (br $done)))
        (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
        (br $lx)))
      (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
      (br $ly))))
    (f64.store (local.get $acc) (local.get $min))
    (f64.store offset=8 (local.get $acc) (local.get $max))
    (local.get $nan))

  ;; sum and sum of squares (f64, in order) of the n floats at $p, stored at $out and $out+8
  (func (export "sumSquares") (param $p i32) (param $n i32) (param $out i32)
    (local $end i32) (local $s f64) (local $ss f64) (local $v f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (f64.promote_f32 (f32.load (local.get $p))))
      (local.set $s (f64.add (local.get $s) (local.get $v)))
      (local.set $ss (f64.add (local.get $ss) (f64.mul (local.get $v) (local.get $v))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l)))
    (f64.store (local.get $out) (local.get $s))
    (f64.store offset=8 (local.get $out) (local.get $ss)))

  ;; v <- v > thr ? 1 : 0 for the n floats at $p
  (func (export "threshold") (param $p i32) (param $n i32) (param $thr f64)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
      (f32.store (local.get $p) (select (f32.const 1) (f32.const 0) (f64.gt (f64.promote_f32 (f32.load (local.get $p))) (local.get $thr))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l))))

  ;; a half spectrum (rfft3d layout, hx fastest) times gz[z]*gy[y]*gx[x] (f64 tables), in float32:
  ;; the loop of gaussianFilterSpectrum (src/filters/gaussian-smooth.ts)
  (func (export "gaussianMultiply") (param $spec i32) (param $hx i32) (param $ny i32) (param $nz i32) (param $gx i32) (param $gy i32) (param $gz i32)
    (local $x i32) (local $y i32) (local $z i32) (local $gyz f64) (local $g f64)
    (local.set $z (i32.const 0))
    (block $dz (loop $lz
      (br_if $dz (i32.ge_s (local.get $z) (local.get $nz)))
      (local.set $y (i32.const 0))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $y) (local.get $ny)))
        (local.set $gyz (f64.mul (f64.load (i32.add (local.get $gz) (i32.shl (local.get $z) (i32.const 3))))
                                 (f64.load (i32.add (local.get $gy) (i32.shl (local.get $y) (i32.const 3))))))
        (local.set $x (i32.const 0))
        (block $dx (loop $lx
          (br_if $dx (i32.ge_s (local.get $x) (local.get $hx)))
          (local.set $g (f64.mul (local.get $gyz) (f64.load (i32.add (local.get $gx) (i32.shl (local.get $x) (i32.const 3))))))
          (f32.store (local.get $spec) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $spec))) (local.get $g))))
          (f32.store offset=4 (local.get $spec) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load offset=4 (local.get $spec))) (local.get $g))))
          (local.set $spec (i32.add (local.get $spec) (i32.const 8)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $lx)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ly)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $lz))))

  ;; mode of the n >= 1 sorted floats at $p: the value (f64 at $out) and how often it occurs (f64 at
  ;; $out+8): the longest run of equal values (the first such run; NaN never equals itself)
  (func (export "sortedMode") (param $p i32) (param $n i32) (param $out i32)
    (local $i i32) (local $run i32) (local $bestCount i32) (local $best f32) (local $v f32) (local $prev f32)
    (local.set $best (f32.load (local.get $p)))
    (block $d (loop $l
      (br_if $d (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $v (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $run (select (i32.add (local.get $run) (i32.const 1)) (i32.const 1)
        (i32.and (i32.gt_s (local.get $i) (i32.const 0)) (f32.eq (local.get $v) (local.get $prev)))))
      (if (i32.gt_s (local.get $run) (local.get $bestCount)) (then
        (local.set $bestCount (local.get $run))
        (local.set $best (local.get $v))))
      (local.set $prev (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (f64.store (local.get $out) (f64.promote_f32 (local.get $best)))
    (f64.store offset=8 (local.get $out) (f64.convert_i32_s (local.get $bestCount))))

  ;; rows rows of len floats from $src (rows nx floats apart) to $dst (packed), bit for bit
  (func (export "packRows") (param $src i32) (param $nx i32) (param $rows i32) (param $len i32) (param $dst i32)
    (local $r i32) (local $x i32) (local $s i32)
    (block $dr (loop $lr
      (br_if $dr (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $nx)) (i32.const 2))))
      (local.set $x (i32.const 0))
      (block $dx (loop $lx
        (br_if $dx (i32.ge_s (local.get $x) (local.get $len)))
        (i32.store (local.get $dst) (i32.load (i32.add (local.get $s) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $lx)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $lr))))
)
