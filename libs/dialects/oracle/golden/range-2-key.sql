("order" > TO_NUMBER(:l0) OR ("order" = TO_NUMBER(:l0) AND "MixedCase" > :l1)) AND ("order" < TO_NUMBER(:u0) OR ("order" = TO_NUMBER(:u0) AND "MixedCase" <= :u1))
