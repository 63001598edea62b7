;; SIMD kernels over voxel arrays (src/math/voxel-kernels.ts): range, histogram, bin lookup.
;; All offsets are byte offsets into this module's memory; arrays are float32 unless noted.
;; Bins are computed exactly as the JavaScript code does, in float64:
;; b = min(last, max(0, trunc((f64(v) - lo) * inv))).
(module
  (memory (export "memory") 1 65536)

  ;; minimum and maximum of the n >= 1 floats at $p, stored as two f32 at $out (NaN propagates)
  ;; Four pairs of accumulators over 16 floats per step: one pair was bound by the latency of
  ;; f32x4.min/max (several instructions each with their NaN rules); min and max are associative
  ;; and commutative under those rules, so the result is the same.
  (func (export "range") (param $p i32) (param $n i32) (param $out i32)
    (local $end i32) (local $end4 i32) (local $end16 i32) (local $lo v128) (local $hi v128) (local $v v128)
    (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128) (local $lo3 v128) (local $hi3 v128)
    (local $m f32) (local $M f32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (local.set $lo (v128.load32_splat (local.get $p)))
    (local.set $hi (local.get $lo))
    (local.set $lo1 (local.get $lo))
    (local.set $hi1 (local.get $lo))
    (local.set $lo2 (local.get $lo))
    (local.set $hi2 (local.get $lo))
    (local.set $lo3 (local.get $lo))
    (local.set $hi3 (local.get $lo))
    (block $d16 (loop $l16
      (br_if $d16 (i32.ge_u (local.get $p) (local.get $end16)))
      (local.set $v (v128.load (local.get $p)))
      (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
      (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
      (local.set $v (v128.load offset=16 (local.get $p)))
      (local.set $lo1 (f32x4.min (local.get $lo1) (local.get $v)))
      (local.set $hi1 (f32x4.max (local.get $hi1) (local.get $v)))
      (local.set $v (v128.load offset=32 (local.get $p)))
      (local.set $lo2 (f32x4.min (local.get $lo2) (local.get $v)))
      (local.set $hi2 (f32x4.max (local.get $hi2) (local.get $v)))
      (local.set $v (v128.load offset=48 (local.get $p)))
      (local.set $lo3 (f32x4.min (local.get $lo3) (local.get $v)))
      (local.set $hi3 (f32x4.max (local.get $hi3) (local.get $v)))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $l16)))
    (local.set $lo (f32x4.min (f32x4.min (local.get $lo) (local.get $lo1)) (f32x4.min (local.get $lo2) (local.get $lo3))))
    (local.set $hi (f32x4.max (f32x4.max (local.get $hi) (local.get $hi1)) (f32x4.max (local.get $hi2) (local.get $hi3))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
      (local.set $v (v128.load (local.get $p)))
      (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
      (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l4)))
    (local.set $m (f32.min (f32.min (f32x4.extract_lane 0 (local.get $lo)) (f32x4.extract_lane 1 (local.get $lo)))
                           (f32.min (f32x4.extract_lane 2 (local.get $lo)) (f32x4.extract_lane 3 (local.get $lo)))))
    (local.set $M (f32.max (f32.max (f32x4.extract_lane 0 (local.get $hi)) (f32x4.extract_lane 1 (local.get $hi)))
                           (f32.max (f32x4.extract_lane 2 (local.get $hi)) (f32x4.extract_lane 3 (local.get $hi)))))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m (f32.min (local.get $m) (f32.load (local.get $p))))
      (local.set $M (f32.max (local.get $M) (f32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l1)))
    (f32.store (local.get $out) (local.get $m))
    (f32.store offset=4 (local.get $out) (local.get $M)))

  ;; bins of the four floats at $p as i32x4
  (func $bins4 (param $p i32) (param $lo v128) (param $inv v128) (param $last v128) (result v128)
    (local $v v128)
    (local.set $v (v128.load (local.get $p)))
    (i32x4.max_s
      (i32x4.min_s
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (i32x4.trunc_sat_f64x2_s_zero
            (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $lo)) (local.get $inv)))
          (i32x4.trunc_sat_f64x2_s_zero
            (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
              (local.get $lo)) (local.get $inv))))
        (local.get $last))
      (v128.const i32x4 0 0 0 0)))

  ;; bin of one float
  (func $bin1 (param $p i32) (param $lo f64) (param $inv f64) (param $last i32) (result i32)
    (local $b i32)
    (local.set $b (i32.trunc_sat_f64_s (f64.mul (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $lo)) (local.get $inv))))
    (select (i32.const 0)
      (select (local.get $last) (local.get $b) (i32.gt_s (local.get $b) (local.get $last)))
      (i32.lt_s (local.get $b) (i32.const 0))))

  ;; tally[bin(v)] += 1 (u32 tally at $tally) for the n floats at $p
  (func (export "histogram") (param $p i32) (param $n i32) (param $lo f64) (param $inv f64) (param $last i32) (param $tally i32)
    (local $end i32) (local $end4 i32) (local $b v128) (local $a i32)
    (local $lov v128) (local $invv v128) (local $lastv v128)
    (local.set $lov (f64x2.splat (local.get $lo)))
    (local.set $invv (f64x2.splat (local.get $inv)))
    (local.set $lastv (i32x4.splat (local.get $last)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
      (local.set $b (call $bins4 (local.get $p) (local.get $lov) (local.get $invv) (local.get $lastv)))
      (local.set $a (i32.add (local.get $tally) (i32.shl (i32x4.extract_lane 0 (local.get $b)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $a (i32.add (local.get $tally) (i32.shl (i32x4.extract_lane 1 (local.get $b)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $a (i32.add (local.get $tally) (i32.shl (i32x4.extract_lane 2 (local.get $b)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $a (i32.add (local.get $tally) (i32.shl (i32x4.extract_lane 3 (local.get $b)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $a (i32.add (local.get $tally) (i32.shl (call $bin1 (local.get $p) (local.get $lo) (local.get $inv) (local.get $last)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l1))))

  ;; out[i] = table[bin(v[i])] (f32 table at $table) for the n floats at $p; $out may equal $p
  (func (export "lookup") (param $p i32) (param $n i32) (param $lo f64) (param $inv f64) (param $last i32) (param $table i32) (param $out i32)
    (local $end i32) (local $end4 i32) (local $b v128) (local $r v128)
    (local $lov v128) (local $invv v128) (local $lastv v128)
    (local.set $lov (f64x2.splat (local.get $lo)))
    (local.set $invv (f64x2.splat (local.get $inv)))
    (local.set $lastv (i32x4.splat (local.get $last)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
      (local.set $b (i32x4.shl (call $bins4 (local.get $p) (local.get $lov) (local.get $invv) (local.get $lastv)) (i32.const 2)))
      (local.set $r (f32x4.splat (f32.load (i32.add (local.get $table) (i32x4.extract_lane 0 (local.get $b))))))
      (local.set $r (f32x4.replace_lane 1 (local.get $r) (f32.load (i32.add (local.get $table) (i32x4.extract_lane 1 (local.get $b))))))
      (local.set $r (f32x4.replace_lane 2 (local.get $r) (f32.load (i32.add (local.get $table) (i32x4.extract_lane 2 (local.get $b))))))
      (local.set $r (f32x4.replace_lane 3 (local.get $r) (f32.load (i32.add (local.get $table) (i32x4.extract_lane 3 (local.get $b))))))
      (v128.store (local.get $out) (local.get $r))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
      (f32.store (local.get $out)
        (f32.load (i32.add (local.get $table) (i32.shl (call $bin1 (local.get $p) (local.get $lo) (local.get $inv) (local.get $last)) (i32.const 2)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $l1))))
)
