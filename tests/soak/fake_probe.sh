#!/bin/sh
# A stand-in for btfence-probe in the soak (the fake bluetoothd serves no GATT, so the real
# probe could only fail): one verdict line as docs/verification.md ("The probe") specifies.
# Keys at C0:FF:EE:5F:xx:xx fail (a spoof), every other device passes.
device=
while [ $# -gt 0 ]; do
  case $1 in --device) device=$2; shift ;; esac
  shift
done
case $device in
  */dev_C0_FF_EE_5F_*)
    echo '{"passed":false,"inconclusive":false,"aaguid":null,"versions":[],"rk":null,"detail":"the device serves no FIDO GATT service (0xFFFD)"}' ;;
  *)
    echo '{"passed":true,"inconclusive":false,"aaguid":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","versions":["FIDO_2_0"],"rk":true,"detail":"soak: a FIDO2 authenticator"}' ;;
esac
